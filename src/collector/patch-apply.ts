import type { Operation } from 'fast-json-patch';
import { copyRecord } from './json-value.js';

type Container = Record<string, unknown> | unknown[];

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * Applies a JSON patch (RFC 6902 `add`, `remove`, `replace`) to `document` without modifying it:
 * only the containers on the patched paths are copied, everything else is shared with
 * `document`. That makes checking a patch against a large request object cost the size of the
 * patch, not of the object. Throws when an operation does not apply (a missing parent, an index
 * out of range, a `remove` or `replace` of something absent), as the API server would refuse it.
 */
export function applyPatchCopyOnWrite(
  document: unknown,
  operations: readonly Operation[],
): unknown {
  const copies = new Set<Container>();
  let root = document;
  for (let index = 0; index < operations.length; index++) {
    root = applyOne(root, operations[index]!, copies, index);
  }
  return root;
}

/** `value` itself when this application made it, otherwise a shallow copy that it now owns. */
function writable(value: Container, copies: Set<Container>): Container {
  if (copies.has(value)) return value;
  const copy: Container = Array.isArray(value) ? value.slice() : copyRecord(value);
  copies.add(copy);
  return copy;
}

function applyOne(
  root: unknown,
  operation: Operation,
  copies: Set<Container>,
  index: number,
): unknown {
  const tokens = parsePointer(operation, index);
  const last = tokens.pop();
  if (last === undefined) {
    if (operation.op === 'add' || operation.op === 'replace') return operation.value as unknown;
    throw patchError(operation, index, 'only add and replace can target the whole document');
  }
  if (!isContainer(root))
    throw patchError(operation, index, 'the document is not an object or a list');
  const newRoot = writable(root, copies);
  let parent = newRoot;
  for (const token of tokens) {
    const child = has(parent, token) ? get(parent, token) : undefined;
    if (!isContainer(child)) {
      throw patchError(operation, index, `"${token}" does not exist or is not an object or a list`);
    }
    const copy = writable(child, copies);
    set(parent, token, copy);
    parent = copy;
  }
  switch (operation.op) {
    case 'add':
      if (Array.isArray(parent)) {
        const at = last === '-' ? parent.length : arrayIndex(last);
        if (at === undefined || at > parent.length) {
          throw patchError(operation, index, 'the list index is out of range');
        }
        parent.splice(at, 0, operation.value);
      } else {
        set(parent, last, operation.value);
      }
      return newRoot;
    case 'replace':
      if (!has(parent, last))
        throw patchError(operation, index, 'the value to replace does not exist');
      set(parent, last, operation.value);
      return newRoot;
    case 'remove':
      if (!has(parent, last))
        throw patchError(operation, index, 'the value to remove does not exist');
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      return newRoot;
    default:
      throw patchError(operation, index, 'this operation is not supported here');
  }
}

function patchError(operation: Operation, index: number, reason: string): Error {
  return new Error(`operation ${index} (${operation.op} ${operation.path}): ${reason}`);
}

function parsePointer(operation: Operation, index: number): string[] {
  const path = operation.path;
  if (path === '') return [];
  if (!path.startsWith('/')) throw patchError(operation, index, 'a JSON pointer starts with "/"');
  const tokens = path.slice(1).split('/');
  if (!path.includes('~')) return tokens;
  return tokens.map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function arrayIndex(token: string): number | undefined {
  return ARRAY_INDEX.test(token) ? Number(token) : undefined;
}

function has(container: Container, token: string): boolean {
  if (Array.isArray(container)) return ARRAY_INDEX.test(token) && Number(token) < container.length;
  return Object.hasOwn(container, token);
}

function get(container: Container, token: string): unknown {
  return (container as Record<string, unknown>)[token];
}

/** An own data property, also for a key named `__proto__` (plain assignment would set the prototype). */
function set(container: Container, token: string, value: unknown): void {
  if (Array.isArray(container)) {
    container[Number(token)] = value;
  } else if (token === '__proto__') {
    Object.defineProperty(container, token, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    container[token] = value;
  }
}
