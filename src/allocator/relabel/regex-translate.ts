import type { MatchGroups } from './template.js';

/**
 * Placeholder until the safe translation lands: no regex is run on V8's engine.
 * Returns a matcher that answers (match or null) or `undefined` to defer to RE2.
 */
export function translateToSafeJsRegex(
  _source: string,
): ((input: string) => MatchGroups | null | undefined) | undefined {
  return undefined;
}
