import type { Operation } from 'fast-json-patch';

/** The parts of `admission.k8s.io/v1` AdmissionReview this webhook reads and writes. */
export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly operation: string;
  readonly dryRun: boolean;
  readonly object: unknown;
  readonly oldObject: unknown;
}

export interface AdmissionStatus {
  readonly code: number;
  readonly message: string;
  readonly reason?: string;
}

/** What a handler decides; turned into the wire response by `admissionReviewResponse`. */
export interface AdmissionDecision {
  readonly allowed: boolean;
  readonly patch: readonly Operation[];
  readonly warnings: readonly string[];
  readonly status: AdmissionStatus | undefined;
  /** The metric and log label: `patched`, `allowed`, `denied`, `rejected` (bad request), `error`. */
  readonly outcome: AdmissionOutcomeLabel;
}

export type AdmissionOutcomeLabel = 'patched' | 'allowed' | 'denied' | 'rejected' | 'error';

export interface AdmissionResponseBody {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
  status?: { code: number; message: string; reason?: string };
}

export interface AdmissionReviewBody {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: typeof ADMISSION_KIND;
  response: AdmissionResponseBody;
}

export function allow(warnings: readonly string[] = []): AdmissionDecision {
  return { allowed: true, patch: [], warnings, status: undefined, outcome: 'allowed' };
}

export function allowWithPatch(
  patch: readonly Operation[],
  warnings: readonly string[],
): AdmissionDecision {
  return {
    allowed: true,
    patch,
    warnings,
    status: undefined,
    outcome: patch.length > 0 ? 'patched' : 'allowed',
  };
}

export function deny(
  code: number,
  message: string,
  warnings: readonly string[] = [],
): AdmissionDecision {
  return {
    allowed: false,
    patch: [],
    warnings,
    status: {
      code,
      message,
      reason: code === 403 ? 'Forbidden' : code === 422 ? 'Invalid' : 'BadRequest',
    },
    outcome: 'denied',
  };
}

/** A request this webhook cannot read: answered as a denial, never as an HTML page or a hang. */
export function reject(code: number, message: string): AdmissionDecision {
  return { ...deny(code, message), outcome: 'rejected' };
}

export function internalError(message: string): AdmissionDecision {
  return {
    ...deny(500, message),
    status: { code: 500, message, reason: 'InternalError' },
    outcome: 'error',
  };
}

/**
 * The API server keeps about 4 KiB of warnings per response (beyond that it truncates each to 256
 * characters); one runaway warning must not crowd out the others.
 */
const MAX_WARNING_LENGTH = 1024;

function encodePatch(patch: readonly Operation[]): string {
  return Buffer.from(JSON.stringify(patch), 'utf8').toString('base64');
}

export function admissionReviewResponse(
  uid: string,
  decision: AdmissionDecision,
): AdmissionReviewBody {
  const response: AdmissionResponseBody = { uid, allowed: decision.allowed };
  // Both fields are omitted for an empty patch: the API server rejects a patchType without a patch.
  if (decision.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = encodePatch(decision.patch);
  }
  if (decision.warnings.length > 0) {
    response.warnings = decision.warnings.map((warning) => warning.slice(0, MAX_WARNING_LENGTH));
  }
  if (decision.status !== undefined) response.status = { ...decision.status };
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}
