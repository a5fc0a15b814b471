import { MonitorError } from './monitor-error.js';

export type Spec = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Spec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Typed, path-aware reads from a monitor's spec. The CRDs a cluster runs may be older or newer
 * than ours (or, in tests, structural with preserved unknown fields), so every field is checked
 * where it is read and a wrong type names its path, e.g. `spec.endpoints[1].interval`.
 */
export class SpecReader {
  constructor(
    readonly value: Spec,
    readonly path: string,
  ) {}

  static of(value: unknown, path: string): SpecReader {
    if (value === undefined || value === null) return new SpecReader({}, path);
    if (!isRecord(value)) throw new MonitorError(`${path} must be an object`);
    return new SpecReader(value, path);
  }

  child(key: string): string {
    return `${this.path}.${key}`;
  }

  has(key: string): boolean {
    const v = this.value[key];
    return v !== undefined && v !== null;
  }

  object(key: string): SpecReader | undefined {
    return this.has(key) ? SpecReader.of(this.value[key], this.child(key)) : undefined;
  }

  string(key: string): string | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new MonitorError(`${this.child(key)} must be a string`);
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new MonitorError(`${this.child(key)} must be true or false`);
    return v;
  }

  integer(key: string): number | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new MonitorError(`${this.child(key)} must be a non-negative integer`);
    }
    return v;
  }

  /** An int-or-string field (a port), as Kubernetes' IntOrString. */
  intOrString(key: string): string | number | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    throw new MonitorError(`${this.child(key)} must be a port name or a positive port number`);
  }

  stringList(key: string): string[] | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
      throw new MonitorError(`${this.child(key)} must be a list of strings`);
    }
    return v as string[];
  }

  objectList(key: string): SpecReader[] {
    const v = this.value[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new MonitorError(`${this.child(key)} must be a list`);
    return v.map((item: unknown, i) => SpecReader.of(item, `${this.child(key)}[${i}]`));
  }

  stringMap(key: string): Record<string, string> | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (!isRecord(v) || Object.values(v).some((s) => typeof s !== 'string')) {
      throw new MonitorError(`${this.child(key)} must be a map of strings`);
    }
    return { ...(v as Record<string, string>) };
  }
}
