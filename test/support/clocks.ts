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
