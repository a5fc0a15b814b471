import { collectorFacts, type CollectorFacts } from './collector-facts.js';
import { matchesLabelSelector } from './label-selector.js';
import { outOfOrderConsequence, outOfOrderFix, ruleSuffix } from './out-of-order-messages.js';
import type { Policy, PolicyRule } from './policy.js';

export interface PolicyContext {
  /** The request's namespace (admission `request.namespace`, or the object's, or render's default). */
  readonly namespace: string;
}

export interface PolicyDecision {
  /** The rule that applied; undefined when none matched or the namespace is exempt. */
  readonly rule: string | undefined;
  readonly exempt: boolean;
  /** The collector would scrape its targets several times over (see docs/policy.md); judged only when a rule applies. */
  readonly outOfOrderRisk: boolean;
  /** The mutation must enable the allocator (policy mode `mutate`). */
  readonly forceEnable: boolean;
  /** Non-empty: the object must be rejected with these messages. */
  readonly denials: readonly string[];
  readonly warnings: readonly string[];
}

const NO_DECISION: PolicyDecision = {
  rule: undefined,
  exempt: false,
  outOfOrderRisk: false,
  forceEnable: false,
  denials: [],
  warnings: [],
};

/** The modes in which the upstream operator can run an allocator for the collector. */
const ALLOCATOR_MODES = new Set(['statefulset', 'daemonset']);
/** The one receiver the allocator's rewrite serves (upstream's rule too). */
const ALLOCATOR_RECEIVER = 'prometheus';

function ruleMatches(rule: PolicyRule, facts: CollectorFacts, namespace: string): boolean {
  const { namespaces, namespaceRegex, objectSelector } = rule.match;
  const namespaceListed = namespaces.includes(namespace);
  const namespaceMatched = namespaceRegex?.test(namespace) ?? false;
  const anyNamespace = namespaces.length === 0 && namespaceRegex === undefined;
  if (!anyNamespace && !namespaceListed && !namespaceMatched) return false;
  return objectSelector === undefined || matchesLabelSelector(objectSelector, facts.labels);
}

/** Cheapest checks first: the receiver check may parse the collector's config. */
export function hasOutOfOrderRisk(facts: CollectorFacts): boolean {
  if (facts.allocatorEnabled) return false;
  const severalPods =
    facts.mode === 'daemonset' || (facts.mode !== 'sidecar' && facts.maxReplicas > 1);
  return severalPods && facts.hasPrometheusReceiver();
}

interface Outcome {
  forceEnable: boolean;
  denials: string[];
  warnings: string[];
}

function applyOutOfOrder(
  rule: PolicyRule,
  facts: CollectorFacts,
  namespace: string,
  outcome: Outcome,
): void {
  const text = `${outOfOrderConsequence(facts, namespace)}. ${outOfOrderFix(facts)}.${ruleSuffix(rule.name)}`;
  switch (rule.outOfOrder) {
    case 'ignore':
      return;
    case 'warn':
      outcome.warnings.push(text);
      return;
    case 'enforce':
      outcome.denials.push(text);
      return;
    case 'mutate':
      if (facts.optedOut) {
        outcome.warnings.push(
          `${text} (not enabled automatically: the collector opts out with otel-ta.dev/inject: "false")`,
        );
      } else if (facts.allocatorDisabled) {
        outcome.warnings.push(
          `${text} (not enabled automatically: spec.targetAllocator.enabled is false; remove it to let the policy enable the allocator)`,
        );
      } else if (!ALLOCATOR_MODES.has(facts.mode)) {
        outcome.warnings.push(
          `${text} (not enabled automatically: mode ${facts.mode} cannot run an allocator)`,
        );
      } else if (!facts.prometheusReceivers().includes(ALLOCATOR_RECEIVER)) {
        // Enabling it would only get the collector denied at validation (no receiver to serve).
        const named = facts.prometheusReceivers()[0] ?? `${ALLOCATOR_RECEIVER}/<name>`;
        outcome.warnings.push(
          `${text} (not enabled automatically: the target allocator serves only the receiver named "${ALLOCATOR_RECEIVER}"; rename receivers.${named} to ${ALLOCATOR_RECEIVER} to let the policy enable it)`,
        );
      } else {
        outcome.forceEnable = true;
        outcome.warnings.push(
          `otel-ta enabled the target allocator on OpenTelemetryCollector ${namespace}/${facts.name}: ` +
            `it ${facts.mode === 'daemonset' ? 'runs one pod per node' : `runs ${facts.maxReplicas} replicas`} with a prometheus receiver, ` +
            `and without the allocator every replica would scrape every target (out-of-order samples in remote write).${ruleSuffix(rule.name)}`,
        );
      }
  }
}

function applyConstraints(
  rule: PolicyRule,
  facts: CollectorFacts,
  namespace: string,
  outcome: Outcome,
): void {
  // The constraints concern the allocator; a collector that runs none (and is not about to) has none to check.
  if (!facts.allocatorEnabled && !outcome.forceEnable) return;
  const where = `OpenTelemetryCollector ${namespace}/${facts.name}`;
  const violations: string[] = [];
  if (
    rule.allowedStrategies.length > 0 &&
    !rule.allowedStrategies.includes(facts.allocationStrategy)
  ) {
    violations.push(
      `${where} uses allocationStrategy ${facts.allocationStrategy}, which the cluster policy does not allow here. Fix: set spec.targetAllocator.allocationStrategy to one of ${rule.allowedStrategies.join(', ')}`,
    );
  }
  const image = facts.allocatorImage;
  if (
    image !== undefined &&
    rule.allowedImagePrefixes.length > 0 &&
    !rule.allowedImagePrefixes.some((prefix) => image.startsWith(prefix))
  ) {
    violations.push(
      `${where} sets targetAllocator.image ${image}, which is not from an allowed registry. Fix: use an image starting with ${rule.allowedImagePrefixes.join(' or ')}, or remove spec.targetAllocator.image to get the default`,
    );
  }
  if (
    rule.maxAllocatorReplicas !== undefined &&
    facts.allocatorReplicas > rule.maxAllocatorReplicas
  ) {
    violations.push(
      `${where} asks for ${facts.allocatorReplicas} allocator replicas, more than the ${rule.maxAllocatorReplicas} the cluster policy allows. Fix: set spec.targetAllocator.replicas to ${rule.maxAllocatorReplicas} or fewer`,
    );
  }
  const target = rule.constraintAction === 'deny' ? outcome.denials : outcome.warnings;
  target.push(...violations.map((violation) => `${violation}.${ruleSuffix(rule.name)}`));
}

/**
 * Decides what the admin policy requires for one collector. Pure: the same policy and object
 * always give the same decision, so dry-run and real requests agree and `otel-ta render` predicts
 * the webhook exactly. Exempt namespaces first, then the first rule that matches.
 */
export function evaluatePolicy(
  policy: Policy,
  object: unknown,
  context: PolicyContext,
): PolicyDecision {
  if (policy.exemptNamespaces.includes(context.namespace)) return { ...NO_DECISION, exempt: true };
  const facts = collectorFacts(object);
  const rule = policy.rules.find((candidate) => ruleMatches(candidate, facts, context.namespace));
  if (rule === undefined) return NO_DECISION;
  const outOfOrderRisk = hasOutOfOrderRisk(facts);
  const outcome: Outcome = { forceEnable: false, denials: [], warnings: [] };
  if (outOfOrderRisk) applyOutOfOrder(rule, facts, context.namespace, outcome);
  applyConstraints(rule, facts, context.namespace, outcome);
  return { rule: rule.name, exempt: false, outOfOrderRisk, ...outcome };
}
