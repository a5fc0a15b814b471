import { computeJsonPatch } from '../collector/patch.js';
import { isCollectorObject } from '../collector/model.js';
import { mutateCollector, type MutationSettings } from '../collector/mutate.js';
import { validateCollector } from '../collector/validate.js';
import { evaluatePolicy } from '../policy/evaluate-policy.js';
import type { Policy } from '../policy/policy.js';
import { allow, allowWithPatch, deny, type AdmissionDecision } from './admission-review.js';

/** One object to admit: from an AdmissionRequest (webhook) or a manifest document (`otel-ta render`). */
export interface AdmissionInput {
  readonly object: unknown;
  readonly operation: string;
  /** The request's namespace; falls back to the object's, then to `default`. */
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

export interface AdmissionSettings {
  /** The policy in effect now (the watcher swaps it on reload). */
  readonly policy: () => Policy;
  readonly mutation: MutationSettings;
}

type Json = Record<string, unknown>;

function metadataString(object: unknown, key: 'name' | 'namespace'): string | undefined {
  const metadata = (object as Json).metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const value = (metadata as Json)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Only CREATE and UPDATE of an OpenTelemetryCollector are admitted here; the rest passes untouched. */
function admissible(
  input: AdmissionInput,
): input is AdmissionInput & { operation: 'CREATE' | 'UPDATE'; object: Json } {
  return (
    (input.operation === 'CREATE' || input.operation === 'UPDATE') &&
    isCollectorObject(input.object)
  );
}

function namespaceOf(input: AdmissionInput): string {
  return input.namespace ?? metadataString(input.object, 'namespace') ?? 'default';
}

/**
 * The mutation pipeline: policy decision (mode `mutate` turns the allocator on) -> the collector
 * mutation -> a JSON patch diffed from the request object. Denials and warnings of the policy's
 * other modes belong to validation, which sees the object after every mutating webhook ran.
 */
export function mutateAdmission(
  input: AdmissionInput,
  settings: AdmissionSettings,
): AdmissionDecision {
  if (!admissible(input)) return allow();
  const namespace = namespaceOf(input);
  const policy = evaluatePolicy(settings.policy(), input.object, { namespace });
  const outcome = mutateCollector(input.object, {
    operation: input.operation,
    namespace,
    name: input.name ?? metadataString(input.object, 'name') ?? '',
    settings: settings.mutation,
    forceEnable: policy.forceEnable,
  });
  const policyWarnings = policy.forceEnable ? policy.warnings : [];
  switch (outcome.kind) {
    case 'unchanged':
      return allow([...policyWarnings, ...outcome.warnings]);
    case 'denied':
      return deny(outcome.code, outcome.message);
    case 'mutated':
      return allowWithPatch(computeJsonPatch(input.object, outcome.object), [
        ...policyWarnings,
        ...outcome.warnings,
      ]);
  }
}

/** The validation pipeline: the upstream operator's rules, then the admin policy. */
export function validateAdmission(
  input: AdmissionInput,
  settings: AdmissionSettings,
): AdmissionDecision {
  if (!admissible(input)) return allow();
  const validation = validateCollector(input.object);
  if (!validation.allowed) return deny(422, validation.message);
  const policy = evaluatePolicy(settings.policy(), input.object, { namespace: namespaceOf(input) });
  const warnings = [...validation.warnings, ...policy.warnings];
  if (policy.denials.length > 0) return deny(403, policy.denials.join('\n'), warnings);
  return allow(warnings);
}
