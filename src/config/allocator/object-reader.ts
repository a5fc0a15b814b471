import { UsageError } from '../../errors.js';

export const CONFIG_ERROR = 'ALLOCATOR_CONFIG_INVALID';

export function configError(path: string, message: string): UsageError {
  return new UsageError(CONFIG_ERROR, path === '' ? message : `${path}: ${message}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Reads one YAML map strictly: every key must be consumed, so a typo (`colector_namespace`) is an
 * error naming the key instead of a silently ignored setting. Paths in messages are dotted, as a
 * user would write them (`prometheus_cr.scrape_interval`).
 */
export class ObjectReader {
  private readonly seen = new Set<string>();
  readonly object: Record<string, unknown>;

  constructor(
    value: unknown,
    readonly path: string,
  ) {
    if (value === undefined || value === null) {
      this.object = {};
    } else if (isPlainObject(value)) {
      this.object = value;
    } else {
      throw configError(path, `must be a map, got ${describe(value)}`);
    }
  }

  child(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return this.object[key] !== undefined && this.object[key] !== null;
  }

  raw(key: string): unknown {
    this.seen.add(key);
    return this.object[key];
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      throw configError(this.child(key), `must be a string, got ${describe(value)}`);
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      throw configError(this.child(key), `must be true or false, got ${describe(value)}`);
    }
    return value;
  }

  stringList(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw configError(this.child(key), `must be a list of strings, got ${describe(value)}`);
    }
    return value;
  }

  /** Throws for the first key that was never read, naming it and listing the valid keys. */
  done(validKeys?: readonly string[]): void {
    for (const key of Object.keys(this.object)) {
      if (!this.seen.has(key)) {
        const known = validKeys ?? [...this.seen];
        throw configError(
          this.child(key),
          `unknown key (valid keys here: ${[...known].sort().join(', ')})`,
        );
      }
    }
  }
}
