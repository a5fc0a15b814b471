import type { Operation } from 'fast-json-patch';
import { OtelTaError } from '../errors.js';
import { jsonEqual } from './json-value.js';
import { applyPatchCopyOnWrite } from './patch-apply.js';

export type { Operation } from 'fast-json-patch';

/**
 * The JSON patch from `original` to `mutated`, computed by diffing (never written by hand) and
 * checked before it is returned: applied to `original` it must give exactly `mutated`. A patch
 * that fails the check is an internal error, never sent to the API server.
 *
 * The diff walks both trees the way fast-json-patch's `compare` does (same operations, same
 * order) but skips subtrees the two objects share: the mutation copies only what it edits, so the
 * walk touches the edited paths alone. Values in the patch are not copied: they are `mutated`'s
 * own, so the caller must not edit `mutated` while the patch is in use.
 */
export function computeJsonPatch(original: object, mutated: object): Operation[] {
  const operations: Operation[] = [];
  diffInto(original as Container, mutated as Container, '', operations);
  let patched: unknown;
  try {
    patched = applyPatchCopyOnWrite(original, operations);
  } catch (err) {
    throw new OtelTaError(
      'PATCH_INVALID',
      'the computed JSON patch does not apply to the request object',
      { cause: err },
    );
  }
  if (!jsonEqual(patched, mutated)) {
    throw new OtelTaError(
      'PATCH_INVALID',
      'the computed JSON patch does not reproduce the mutated object',
    );
  }
  return operations;
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/** RFC 6901: `~` is `~0`, `/` is `~1`. */
function escapePointerToken(token: string): string {
  if (!token.includes('/') && !token.includes('~')) return token;
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function keysOf(value: Container): string[] {
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => String(i));
  return Object.keys(value);
}

function read(container: Container, key: string): unknown {
  return (container as Record<string, unknown>)[key];
}

/**
 * Old keys from last to first (array elements are removed from the end, so earlier indexes
 * stay valid), then the new keys in order as additions.
 */
function diffInto(before: Container, after: Container, path: string, out: Operation[]): void {
  if (before === after) return;
  const oldKeys = keysOf(before);
  const newKeys = keysOf(after);
  let deleted = false;
  for (let t = oldKeys.length - 1; t >= 0; t--) {
    const key = oldKeys[t]!;
    const oldValue = read(before, key);
    const childPath = `${path}/${escapePointerToken(key)}`;
    const present =
      Object.hasOwn(after, key) &&
      !(read(after, key) === undefined && oldValue !== undefined && !Array.isArray(after));
    if (present) {
      const newValue = read(after, key);
      if (
        isContainer(oldValue) &&
        isContainer(newValue) &&
        Array.isArray(oldValue) === Array.isArray(newValue)
      ) {
        diffInto(oldValue, newValue, childPath, out);
      } else if (oldValue !== newValue) {
        out.push({ op: 'replace', path: childPath, value: newValue });
      }
    } else if (Array.isArray(before) === Array.isArray(after)) {
      out.push({ op: 'remove', path: childPath });
      deleted = true;
    } else {
      out.push({ op: 'replace', path, value: after });
    }
  }
  if (!deleted && newKeys.length === oldKeys.length) return;
  for (const key of newKeys) {
    const value = read(after, key);
    if (!Object.hasOwn(before, key) && value !== undefined) {
      out.push({ op: 'add', path: `${path}/${escapePointerToken(key)}`, value });
    }
  }
}
