import { RuleError, parseRelabelRule } from '../relabel/relabel-rule.js';
import { MonitorError } from './monitor-error.js';
import { SpecReader } from './spec-reader.js';

/** A relabel rule as it appears in a Prometheus scrape config (snake_case keys). */
export type RelabelRule = Readonly<Record<string, unknown>>;

/** Label names built from Kubernetes label keys: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * prometheus-operator's translation of a monitor's `selector` into keep/drop rules over the
 * discovered object's labels (`__meta_kubernetes_<kind>_label_<k>` and `..._labelpresent_<k>`).
 * Values go into the regex as written, as the operator does; label values cannot hold regex
 * syntax beyond `.`, which then also matches any character.
 */
export function selectorRules(
  selector: SpecReader,
  kind: 'service' | 'pod' | 'ingress',
): RelabelRule[] {
  const label = (k: string): string => `__meta_kubernetes_${kind}_label_${sanitizeLabelName(k)}`;
  const present = (k: string): string =>
    `__meta_kubernetes_${kind}_labelpresent_${sanitizeLabelName(k)}`;
  const rules: RelabelRule[] = [];
  const matchLabels = selector.stringMap('matchLabels') ?? {};
  for (const key of Object.keys(matchLabels).sort()) {
    rules.push({
      action: 'keep',
      source_labels: [label(key), present(key)],
      regex: `(${matchLabels[key] ?? ''});true`,
    });
  }
  for (const expr of selector.objectList('matchExpressions')) {
    const key = expr.string('key');
    const operator = expr.string('operator');
    if (key === undefined || key === '') throw new MonitorError(`${expr.path}.key is required`);
    if (operator === undefined || !OPERATORS.includes(operator)) {
      throw new MonitorError(`${expr.child('operator')} must be one of ${OPERATORS.join(', ')}`);
    }
    const values = expr.stringList('values') ?? [];
    switch (operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          throw new MonitorError(`${expr.child('values')} needs a value for operator ${operator}`);
        }
        rules.push({
          action: operator === 'In' ? 'keep' : 'drop',
          source_labels: [label(key), present(key)],
          regex: `(${values.join('|')});true`,
        });
        break;
      default:
        rules.push({
          action: operator === 'Exists' ? 'keep' : 'drop',
          source_labels: [present(key)],
          regex: 'true',
        });
    }
  }
  return rules;
}

const RELABEL_FIELDS: readonly (readonly [string, string])[] = [
  ['separator', 'separator'],
  ['targetLabel', 'target_label'],
  ['regex', 'regex'],
  ['replacement', 'replacement'],
];

/**
 * The monitor's `relabelings` / `metricRelabelings` (camelCase) as Prometheus relabel_configs.
 * Each rule is checked as the scraper will check it (RE2 regex, action, fields), so a bad one is
 * named where the user wrote it, e.g. `spec.relabelings[0]: invalid regex "(": missing )`.
 */
export function userRelabelings(endpoint: SpecReader, key: string): RelabelRule[] {
  return endpoint.objectList(key).map((rule) => {
    const out: Record<string, unknown> = {};
    const sources = rule.stringList('sourceLabels');
    if (sources !== undefined) out.source_labels = sources;
    for (const [from, to] of RELABEL_FIELDS) {
      const value = rule.string(from);
      if (value !== undefined) out[to] = value;
    }
    const modulus = rule.integer('modulus');
    if (modulus !== undefined) out.modulus = modulus;
    // The CRD accepts both cases (`Replace`, `replace`); Prometheus wants lowercase.
    const action = rule.string('action');
    if (action !== undefined) out.action = action.toLowerCase();
    try {
      parseRelabelRule(out, 'utf8');
    } catch (err) {
      if (err instanceof RuleError) throw new MonitorError(`${rule.path}: ${err.message}`);
      throw err;
    }
    return out;
  });
}
