/**
 * The cluster admin's policy (docs/policy.md). Parsed and validated once by `parsePolicy`; the
 * evaluation (`evaluatePolicy`) is pure and never reads files.
 */

/** What to do about a collector whose replicas would each scrape every target. */
export const OUT_OF_ORDER_MODES = ['mutate', 'warn', 'enforce', 'ignore'] as const;
export type OutOfOrderMode = (typeof OUT_OF_ORDER_MODES)[number];

/** What a violated allocator constraint (strategy, image, replicas) does. */
export const CONSTRAINT_ACTIONS = ['deny', 'warn'] as const;
export type ConstraintAction = (typeof CONSTRAINT_ACTIONS)[number];

export {
  SELECTOR_OPERATORS,
  type LabelSelector,
  type LabelSelectorRequirement,
  type SelectorOperator,
} from '../k8s/label-selector.js';
import type { LabelSelector } from '../k8s/label-selector.js';

/** A compiled, linear-time (RE2) namespace pattern, anchored on both ends. */
export interface NamespacePattern {
  readonly source: string;
  test(namespace: string): boolean;
}

export interface RuleMatch {
  /** Listed namespaces; with `namespaceRegex`, a namespace matches if either matches. Empty with no regex: any namespace. */
  readonly namespaces: readonly string[];
  readonly namespaceRegex: NamespacePattern | undefined;
  /** Labels of the OpenTelemetryCollector object itself. */
  readonly objectSelector: LabelSelector | undefined;
}

export interface PolicyRule {
  /** Shown in messages and logs; defaults to `rules[<index>]`. */
  readonly name: string;
  readonly match: RuleMatch;
  readonly outOfOrder: OutOfOrderMode;
  /** Empty: any strategy. */
  readonly allowedStrategies: readonly string[];
  /** Empty: any image. An image is allowed if it starts with one of the prefixes. */
  readonly allowedImagePrefixes: readonly string[];
  readonly maxAllocatorReplicas: number | undefined;
  readonly constraintAction: ConstraintAction;
}

export interface Policy {
  /** Namespaces the policy never applies to (the user's own settings still do). */
  readonly exemptNamespaces: readonly string[];
  /** First matching rule wins; no match: no policy for that object. */
  readonly rules: readonly PolicyRule[];
}

/** The policy in effect when no policy file is configured: nothing is enforced. */
export const EMPTY_POLICY: Policy = { exemptNamespaces: [], rules: [] };
