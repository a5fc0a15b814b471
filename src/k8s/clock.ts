/** Wall-clock milliseconds; injected so leases and certificate rotation are testable. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
