import type { SimulatorClock } from './state';

/** How far the simulated clock may be moved in one go (either way): ten years is more than any token lives. */
export const MAX_CLOCK_SHIFT_MS = 10 * 366 * 24 * 60 * 60 * 1000;

/**
 * The simulator's clock: the injected (or system) clock plus an offset that the control API moves, so a person
 * or a test can let 90 days pass in a second. The clock keeps running after a move; only the offset changes.
 * Everything in the simulator that has a lifetime (device codes, refresh tokens, access tokens at Graph) reads
 * this clock; the bot's own clock is not touched.
 */
export class AdjustableClock implements SimulatorClock {
  private offset = 0;

  constructor(private readonly base: SimulatorClock) {}

  now(): Date {
    return new Date(this.base.now().getTime() + this.offset);
  }

  get offsetMs(): number {
    return this.offset;
  }

  /** Moves the clock forward (or back, with a negative amount). */
  advance(ms: number): void {
    this.offset += ms;
  }

  /** Makes `now()` answer `target` from here on (and keep running from there). */
  set(target: Date): void {
    this.offset = target.getTime() - this.base.now().getTime();
  }
}
