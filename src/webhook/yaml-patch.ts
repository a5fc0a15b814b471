import type { Operation } from 'fast-json-patch';
import { isScalar, type Document } from 'yaml';
import { jsonEqual } from '../collector/json-value.js';

/** RFC 6901: `~1` is `/`, `~0` is `~`; array indexes become numbers so `yaml` addresses sequences. */
function pointerSegments(pointer: string): (string | number)[] {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment));
}

/**
 * Applies a JSON patch to a parsed YAML document in place, so the rendered manifest keeps the
 * user's comments, key order and quoting everywhere the patch does not touch. A replaced string
 * keeps its scalar style (a `|` block stays a block). Returns false, leaving the caller to
 * serialise the object instead, when the edited document does not equal `expected`.
 */
export function applyPatchToYamlDocument(
  document: Document,
  patch: readonly Operation[],
  expected: unknown,
): boolean {
  for (const operation of patch) {
    const path = pointerSegments(operation.path);
    if (operation.op === 'remove') {
      document.deleteIn(path);
    } else if (operation.op === 'add' || operation.op === 'replace') {
      const existing = document.getIn(path, true);
      if (
        isScalar(existing) &&
        typeof operation.value === 'string' &&
        typeof existing.value === 'string'
      ) {
        existing.value = operation.value;
      } else {
        document.setIn(path, document.createNode(operation.value));
      }
    } else {
      // compare() emits only add, replace and remove; anything else is left to the fallback.
      return false;
    }
  }
  return jsonEqual(document.toJS(), expected);
}
