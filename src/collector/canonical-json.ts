import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level and no whitespace: the same scrape configs always
 * give the same bytes (and hash), whatever key order the manifest used. Integer-like keys come
 * first in numeric order, as in any JavaScript object built with sorted keys.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortKeys) ?? 'null';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON.stringify's replacer: each object replaced by a copy with sorted keys. */
function sortKeys(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  // fromEntries defines properties, so a key named `__proto__` stays a key.
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );
}
