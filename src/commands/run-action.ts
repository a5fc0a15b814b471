import { UsageError, errorMessage } from '../errors.js';

/**
 * Wraps a command's action so every failure ends the same way: a one-line message on stderr and
 * the documented exit code (2 for usage errors, 1 for runtime errors).
 */
export function runAction<A extends unknown[]>(
  action: (...args: A) => Promise<void> | void,
): (...args: A) => Promise<void> {
  return async (...args: A): Promise<void> => {
    try {
      await action(...args);
    } catch (err) {
      const usage = err instanceof UsageError;
      process.stderr.write(`otel-ta: ${errorMessage(err)}\n`);
      process.exitCode = usage ? 2 : 1;
    }
  };
}

/** Collects a repeatable flag (`--dns a --dns b`) into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
