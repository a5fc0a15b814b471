/**
 * Timers as discovery uses them, injectable so tests can drive refreshes without waiting. Each
 * function returns its own cancel function.
 */
export interface DiscoveryClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): () => void;
  setInterval(fn: () => void, ms: number): () => void;
}

export const systemClock: DiscoveryClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
  setInterval(fn, ms) {
    const handle = setInterval(fn, ms);
    // A refresh timer alone must not keep the process alive after stop() was missed.
    handle.unref();
    return () => clearInterval(handle);
  },
};
