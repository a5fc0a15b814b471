import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level and no whitespace: the same scrape configs always
 * give the same bytes (and hash), whatever key order the manifest used. Written out directly
 * rather than through sorted copies and `JSON.stringify`: the stash is built on every admission.
 */
export function canonicalJson(value: unknown): string {
  subtreeFrozen = true;
  return write(value) ?? 'null';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The text of deep-frozen containers, which nothing can change any more. The config values read
 * from a YAML text are deep-frozen and shared by every request carrying that text, so the stash
 * of a re-sent manifest reuses its jobs' texts.
 */
const frozenTexts = new WeakMap<object, string>();
/** Whether every container written since it was last reset was frozen. */
let subtreeFrozen = true;

/** undefined where `JSON.stringify` leaves a value out (undefined, functions, symbols). */
function write(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const known = frozenTexts.get(value);
  if (known !== undefined) return known;
  const outerFrozen = subtreeFrozen;
  subtreeFrozen = true;
  const text = Array.isArray(value)
    ? writeArray(value)
    : writeObject(value as Record<string, unknown>);
  const frozen = subtreeFrozen && Object.isFrozen(value);
  if (frozen) frozenTexts.set(value, text);
  subtreeFrozen = outerFrozen && frozen;
  return text;
}

function writeArray(value: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ',';
    out += write(value[i]) ?? 'null';
  }
  return `${out}]`;
}

function writeObject(record: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const key of keyOrder(record)) {
    const item = write(record[key]);
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${item}`;
    first = false;
  }
  return `${out}}`;
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;
const MAX_ARRAY_INDEX = 2 ** 32 - 2;

function isArrayIndex(key: string): boolean {
  return ARRAY_INDEX.test(key) && Number(key) <= MAX_ARRAY_INDEX;
}

/**
 * Sorted keys, in the order the hashes have always used: an object built with sorted keys still
 * lists integer-like keys first, in numeric order (JavaScript's own-key order), and
 * `Object.keys` already returns those first in that order.
 */
function keyOrder(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  let indexes = 0;
  while (indexes < keys.length && isArrayIndex(keys[indexes]!)) indexes++;
  if (indexes === 0) return keys.sort();
  return [...keys.slice(0, indexes), ...keys.slice(indexes).sort()];
}
