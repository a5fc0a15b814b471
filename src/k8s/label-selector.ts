/**
 * The Kubernetes LabelSelector, one definition for every place that reads one (the allocator's
 * `collector_selector`, the admin policy's object selectors, the controller's pod selectors).
 */
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** Every matchLabels entry and every expression must hold; `{}` (no requirements) selects everything. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}
