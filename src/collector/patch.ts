import jsonPatch, { type Operation } from 'fast-json-patch';
import { OtelTaError } from '../errors.js';
import { cloneJson, jsonEqual } from './json-value.js';

export type { Operation } from 'fast-json-patch';

/**
 * The JSON patch from `original` to `mutated`, computed by diffing (never written by hand) and
 * checked before it is returned: applied to a copy of `original` it must give exactly `mutated`.
 * A patch that fails the check is an internal error, never sent to the API server.
 */
export function computeJsonPatch(original: object, mutated: object): Operation[] {
  const operations = jsonPatch.compare(original, mutated);
  let patched: unknown;
  try {
    patched = jsonPatch.applyPatch(
      cloneJson(original),
      cloneJson(operations),
      true,
      false,
    ).newDocument;
  } catch (err) {
    throw new OtelTaError(
      'PATCH_INVALID',
      'the computed JSON patch does not apply to the request object',
      {
        cause: err,
      },
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
