/** Time as a dependency, so tests can move it (key expiry, rate-limit windows). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: Date = new Date()) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(milliseconds: number): void {
    this.#now += milliseconds;
  }

  set(to: Date): void {
    this.#now = to.getTime();
  }
}

/** RFC 3339 in UTC, with milliseconds only when there are any: 2027-01-01T00:00:00Z. */
export function isoTimestamp(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
