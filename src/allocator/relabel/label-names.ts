/**
 * Label name validity, as Prometheus checks it. Prometheus 3 validates names as UTF-8 by default
 * (any non-empty valid UTF-8 string); the legacy scheme is the classic `[a-zA-Z_][a-zA-Z0-9_]*`.
 * A scrape config selects one with `metric_name_validation_scheme`.
 */
export type NameValidationScheme = 'utf8' | 'legacy';

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// A JS string is valid UTF-8 once encoded unless it holds a lone surrogate.
const LONE_SURROGATE = /\p{Cs}/u;
// Prometheus 2's rule for a replace `target_label` holding `$1`/`${name}` references (legacy scheme).
const LEGACY_TEMPLATE_NAME = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

export function isValidLabelName(name: string, scheme: NameValidationScheme): boolean {
  if (scheme === 'legacy') return LEGACY_NAME.test(name);
  return name.length > 0 && !LONE_SURROGATE.test(name);
}

/** Validity of a label name that may contain template references (replace target, labelmap replacement). */
export function isValidTemplateLabelName(name: string, scheme: NameValidationScheme): boolean {
  if (scheme === 'legacy') return LEGACY_TEMPLATE_NAME.test(name);
  return isValidLabelName(name, scheme);
}

export function isNameValidationScheme(value: unknown): value is NameValidationScheme {
  return value === 'utf8' || value === 'legacy';
}
