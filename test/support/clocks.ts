import type { Clock } from '../../src/clock';

/** A frozen clock that tests move by hand (expiry). */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2025-03-01T09:00:00.000Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** Moves a millisecond on every reading, as time does between two steps. */
export class TickingClock implements Clock {
  private at: number;
  constructor(start: Date | string = '2026-06-01T09:00:00.000Z') {
    this.at = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.at++);
  }
}
