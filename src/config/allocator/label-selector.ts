import { ObjectReader, configError } from './object-reader.js';

import {
  SELECTOR_OPERATORS,
  type LabelSelector,
  type LabelSelectorRequirement,
  type SelectorOperator,
} from '../../k8s/label-selector.js';

export type { LabelSelector, LabelSelectorRequirement, SelectorOperator };

const OPERATORS: readonly SelectorOperator[] = SELECTOR_OPERATORS;

/**
 * Parses a LabelSelector. Upstream's config accepts both the Kubernetes spelling (`matchLabels`)
 * and the lowercase one its YAML library produces (`matchlabels`); both are read, never both at once.
 */
export function parseLabelSelector(value: unknown, path: string): LabelSelector {
  const reader = new ObjectReader(value, path);
  const labelsKey = pickKey(reader, 'matchLabels', 'matchlabels');
  const exprKey = pickKey(reader, 'matchExpressions', 'matchexpressions');
  const matchLabels = parseMatchLabels(reader.raw(labelsKey), reader.child(labelsKey));
  const rawExpressions = reader.raw(exprKey);
  const matchExpressions: LabelSelectorRequirement[] = [];
  if (rawExpressions !== undefined && rawExpressions !== null) {
    if (!Array.isArray(rawExpressions)) {
      throw configError(reader.child(exprKey), 'must be a list of {key, operator, values}');
    }
    rawExpressions.forEach((item: unknown, i) => {
      matchExpressions.push(parseRequirement(item, `${reader.child(exprKey)}[${i}]`));
    });
  }
  reader.done(['matchLabels', 'matchExpressions', 'matchlabels', 'matchexpressions']);
  return Object.freeze({
    matchLabels: Object.freeze(matchLabels),
    matchExpressions: Object.freeze(matchExpressions),
  });
}

function pickKey(reader: ObjectReader, camel: string, lower: string): string {
  if (reader.has(camel) && reader.has(lower)) {
    throw configError(reader.path, `set either ${camel} or ${lower}, not both`);
  }
  return reader.has(lower) ? lower : camel;
}

function parseMatchLabels(value: unknown, path: string): Record<string, string> {
  const reader = new ObjectReader(value, path);
  const result: Record<string, string> = {};
  for (const key of Object.keys(reader.object)) {
    const v = reader.raw(key);
    if (typeof v !== 'string') throw configError(reader.child(key), 'must be a string');
    result[key] = v;
  }
  return result;
}

function parseRequirement(value: unknown, path: string): LabelSelectorRequirement {
  const reader = new ObjectReader(value, path);
  const key = reader.string('key');
  if (key === undefined || key === '') throw configError(path, 'key is required');
  const operator = reader.string('operator');
  if (operator === undefined || !OPERATORS.includes(operator as SelectorOperator)) {
    throw configError(reader.child('operator'), `must be one of ${OPERATORS.join(', ')}`);
  }
  const values = reader.stringList('values') ?? [];
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues !== values.length > 0) {
    throw configError(
      reader.child('values'),
      needsValues
        ? `operator ${operator} needs at least one value`
        : `operator ${operator} takes no values`,
    );
  }
  reader.done();
  return Object.freeze({
    key,
    operator: operator as SelectorOperator,
    values: Object.freeze(values),
  });
}
