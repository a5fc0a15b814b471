import { Annotations } from '../collector/annotations.js';
import type { CollectorFacts } from './collector-facts.js';

/**
 * The texts a user sees when the policy acts on the out-of-order root cause. Each says what
 * happens (the consequence) and what to change (the fix), so a denial is actionable on its own.
 */

function podsDescription(facts: CollectorFacts): string {
  if (facts.mode === 'daemonset') return 'runs one pod per node (mode daemonset)';
  if (facts.replicasSource === 'autoscaler') {
    return `may scale to ${facts.maxReplicas} replicas (autoscaler maxReplicas)`;
  }
  return `runs ${facts.maxReplicas} replicas`;
}

export function outOfOrderConsequence(facts: CollectorFacts, namespace: string): string {
  return (
    `OpenTelemetryCollector ${namespace}/${facts.name} ${podsDescription(facts)} with a prometheus receiver ` +
    'and no target allocator: every replica scrapes every target, so each sample is collected more than once ' +
    'and Prometheus remote write rejects the duplicates as out-of-order samples (write errors and lost data)'
  );
}

export function outOfOrderFix(facts: CollectorFacts): string {
  const annotation = `or add the annotation ${Annotations.enable}: "true"`;
  if (facts.mode === 'daemonset') {
    return `Fix: set spec.targetAllocator.enabled: true with allocationStrategy: per-node (${annotation}), so each pod scrapes only the targets on its node`;
  }
  if (facts.mode === 'statefulset') {
    return `Fix: set spec.targetAllocator.enabled: true (${annotation}) so each target is scraped by exactly one replica, or run a single replica (spec.replicas: 1, no autoscaler)`;
  }
  return `Fix: set spec.mode: statefulset and spec.targetAllocator.enabled: true (the allocator does not support mode ${facts.mode}), or run a single replica (spec.replicas: 1, no autoscaler)`;
}

export function ruleSuffix(ruleName: string): string {
  return ` [otel-ta policy rule "${ruleName}"]`;
}
