export { collectorFacts, type CollectorFacts } from './collector-facts.js';
export {
  evaluatePolicy,
  hasOutOfOrderRisk,
  type PolicyContext,
  type PolicyDecision,
} from './evaluate-policy.js';
export { matchesLabelSelector } from './label-selector.js';
export { parsePolicy } from './parse-policy.js';
export { EMPTY_POLICY, type OutOfOrderMode, type Policy, type PolicyRule } from './policy.js';
