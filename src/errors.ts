/**
 * One catalogue of coded errors. Every error a user can see carries a stable code and a
 * message that says what to change; the CLI maps `UsageError` to exit code 2.
 */
export class OtelTaError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OtelTaError';
  }
}

/** Bad input from the user (flags, config files, label sets): exit code 2. */
export class UsageError extends OtelTaError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
