import { configError } from './object-reader.js';

import {
  parseLabelSelector as readLabelSelector,
  type LabelSelector,
  type LabelSelectorRequirement,
  type SelectorOperator,
} from '../../k8s/label-selector.js';

export type { LabelSelector, LabelSelectorRequirement, SelectorOperator };

/**
 * Parses a LabelSelector of the allocator config (absent: select everything). Upstream's config
 * accepts both the Kubernetes spelling (`matchLabels`) and the lowercase one its YAML library
 * produces (`matchlabels`); both are read, never both at once. The first problem is the error.
 */
export function parseLabelSelector(value: unknown, path: string): LabelSelector {
  const { selector, problems } = readLabelSelector(value, path, { lowercaseKeys: true });
  const problem = problems[0];
  if (problem !== undefined || selector === undefined) {
    throw configError(problem?.path ?? path, problem?.message ?? 'is not a LabelSelector');
  }
  return selector;
}
