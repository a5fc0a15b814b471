import {
  isValidLabelName,
  isValidTemplateLabelName,
  type NameValidationScheme,
} from './label-names.js';
import {
  MATCH_EVERYTHING,
  RegexSyntaxError,
  compileRelabelRegex,
  type RelabelRegex,
} from './regex.js';

export const RELABEL_ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
] as const;

export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

/** One validated relabel rule with Prometheus's defaults applied. */
export interface RelabelRule {
  readonly action: RelabelAction;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  readonly regex: RelabelRegex;
  readonly modulus: bigint;
  readonly targetLabel: string;
  readonly replacement: string;
}

const FIELDS = [
  'source_labels',
  'separator',
  'regex',
  'modulus',
  'target_label',
  'replacement',
  'action',
] as const;

const DEFAULT_SEPARATOR = ';';
const DEFAULT_REPLACEMENT = '$1';

/** A problem with one rule; the caller prefixes where it is (job, field, index). */
export class RuleError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// YAML scalars that are not strings (numbers, booleans) are accepted as their text, as Go's YAML
// decoder does for string fields; a YAML null resets the field to empty, as in Prometheus.
function stringField(raw: Record<string, unknown>, key: string, fallback: string): string {
  if (!(key in raw)) return fallback;
  const value = raw[key];
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  throw new RuleError(`${key} must be a string, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

function modulusField(raw: Record<string, unknown>): bigint {
  const value = raw.modulus;
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'bigint' && value >= 0n && value < 2n ** 64n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^[0-9]+$/.test(value) && BigInt(value) < 2n ** 64n) {
    return BigInt(value);
  }
  throw new RuleError(`modulus must be a non-negative integer, got ${describe(value)}`);
}

function sourceLabelsField(raw: Record<string, unknown>, scheme: NameValidationScheme): string[] {
  const value = raw.source_labels;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new RuleError(`source_labels must be a list of label names, got ${describe(value)}`);
  }
  return value.map((name: unknown, i) => {
    if (typeof name !== 'string' || !isValidLabelName(name, scheme)) {
      throw new RuleError(`source_labels[${i}]: ${JSON.stringify(name)} is not a valid label name`);
    }
    return name;
  });
}

function actionField(raw: Record<string, unknown>): RelabelAction {
  const value = stringField(raw, 'action', 'replace');
  if (value === '') throw new RuleError('relabel action cannot be empty');
  const action = value.toLowerCase();
  const known = RELABEL_ACTIONS.find((a) => a === action);
  if (known === undefined) {
    throw new RuleError(
      `unknown relabel action ${JSON.stringify(value)} (expected one of ${RELABEL_ACTIONS.join(', ')})`,
    );
  }
  return known;
}

function regexField(raw: Record<string, unknown>): RelabelRegex {
  if (!('regex' in raw)) return MATCH_EVERYTHING;
  const source = stringField(raw, 'regex', '');
  try {
    return compileRelabelRegex(source);
  } catch (err) {
    if (err instanceof RegexSyntaxError) {
      throw new RuleError(`invalid regex ${JSON.stringify(source)}: ${err.message}`);
    }
    throw err;
  }
}

/** Parses and validates one raw rule with Prometheus's rules (`relabel.Config.Validate`). */
export function parseRelabelRule(raw: unknown, scheme: NameValidationScheme): RelabelRule {
  if (!isRecord(raw)) throw new RuleError(`must be a mapping, got ${describe(raw)}`);
  for (const key of Object.keys(raw)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new RuleError(
        `unknown field ${JSON.stringify(key)} (expected one of ${FIELDS.join(', ')})`,
      );
    }
  }
  const rule: RelabelRule = {
    action: actionField(raw),
    sourceLabels: sourceLabelsField(raw, scheme),
    separator: stringField(raw, 'separator', DEFAULT_SEPARATOR),
    regex: regexField(raw),
    modulus: modulusField(raw),
    targetLabel: stringField(raw, 'target_label', ''),
    replacement: stringField(raw, 'replacement', DEFAULT_REPLACEMENT),
  };
  validateRule(rule, raw, scheme);
  return rule;
}

const NEEDS_TARGET: ReadonlySet<RelabelAction> = new Set([
  'replace',
  'hashmod',
  'lowercase',
  'uppercase',
  'keepequal',
  'dropequal',
]);
const PLAIN_TARGET: ReadonlySet<RelabelAction> = new Set([
  'lowercase',
  'uppercase',
  'keepequal',
  'dropequal',
  'hashmod',
]);

function validateTarget(rule: RelabelRule, scheme: NameValidationScheme): void {
  const { action, targetLabel } = rule;
  if (NEEDS_TARGET.has(action) && targetLabel === '') {
    throw new RuleError(`relabel configuration for ${action} action requires 'target_label' value`);
  }
  const invalid =
    action === 'replace'
      ? !(targetLabel.includes('$')
          ? isValidTemplateLabelName(targetLabel, scheme)
          : isValidLabelName(targetLabel, scheme))
      : PLAIN_TARGET.has(action) && !isValidLabelName(targetLabel, scheme);
  if (invalid) {
    throw new RuleError(
      `${JSON.stringify(targetLabel)} is invalid 'target_label' for ${action} action`,
    );
  }
}

function validateExclusiveFields(rule: RelabelRule, raw: Record<string, unknown>): void {
  const { action } = rule;
  const equality = action === 'keepequal' || action === 'dropequal';
  if (
    equality &&
    ('regex' in raw ||
      rule.modulus !== 0n ||
      rule.separator !== DEFAULT_SEPARATOR ||
      rule.replacement !== DEFAULT_REPLACEMENT)
  ) {
    throw new RuleError(
      `${action} action requires only 'source_labels' and 'target_label', and no other fields`,
    );
  }
  const labelFilter = action === 'labeldrop' || action === 'labelkeep';
  const hasSources = raw.source_labels !== undefined && raw.source_labels !== null;
  if (
    labelFilter &&
    (hasSources ||
      rule.targetLabel !== '' ||
      rule.modulus !== 0n ||
      rule.separator !== DEFAULT_SEPARATOR ||
      rule.replacement !== DEFAULT_REPLACEMENT)
  ) {
    throw new RuleError(`${action} action requires only 'regex', and no other fields`);
  }
}

/** Prometheus's checks, in its order, so the first problem reported is the one it reports. */
function validateRule(
  rule: RelabelRule,
  raw: Record<string, unknown>,
  scheme: NameValidationScheme,
): void {
  const { action, replacement } = rule;
  if (action === 'hashmod' && rule.modulus === 0n) {
    throw new RuleError('relabel configuration for hashmod requires non-zero modulus');
  }
  validateTarget(rule, scheme);
  if (PLAIN_TARGET.has(action) && action !== 'hashmod' && replacement !== DEFAULT_REPLACEMENT) {
    throw new RuleError(`'replacement' can not be set for ${action} action`);
  }
  if (action === 'labelmap' && !isValidTemplateLabelName(replacement, scheme)) {
    throw new RuleError(
      `${JSON.stringify(replacement)} is invalid 'replacement' for ${action} action`,
    );
  }
  validateExclusiveFields(rule, raw);
}
