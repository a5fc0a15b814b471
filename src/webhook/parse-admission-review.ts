import {
  ADMISSION_API_VERSION,
  ADMISSION_KIND,
  reject,
  type AdmissionDecision,
  type AdmissionRequest,
  type GroupVersionKind,
} from './admission-review.js';

export type ParsedAdmissionReview =
  | { readonly ok: true; readonly request: AdmissionRequest }
  | { readonly ok: false; readonly uid: string; readonly decision: AdmissionDecision };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function readKind(value: unknown): GroupVersionKind {
  const kind = isObject(value) ? value : {};
  return {
    group: typeof kind.group === 'string' ? kind.group : '',
    version: typeof kind.version === 'string' ? kind.version : '',
    kind: typeof kind.kind === 'string' ? kind.kind : '',
  };
}

/**
 * Reads an AdmissionReview body (already JSON-decoded). Anything else is answered with a
 * rejection that names what is wrong and echoes whatever uid could be found.
 */
export function parseAdmissionReview(body: unknown): ParsedAdmissionReview {
  if (!isObject(body)) {
    return {
      ok: false,
      uid: '',
      decision: reject(400, 'the request body must be an AdmissionReview JSON object'),
    };
  }
  const request = isObject(body.request) ? body.request : undefined;
  const uid = typeof request?.uid === 'string' ? request.uid : '';
  if (body.apiVersion !== ADMISSION_API_VERSION || body.kind !== ADMISSION_KIND) {
    return {
      ok: false,
      uid,
      decision: reject(
        400,
        `expected apiVersion ${ADMISSION_API_VERSION} kind ${ADMISSION_KIND}, got apiVersion ${JSON.stringify(body.apiVersion)} kind ${JSON.stringify(body.kind)}; set admissionReviewVersions: [v1] in the webhook configuration`,
      ),
    };
  }
  if (request === undefined) {
    return { ok: false, uid, decision: reject(400, 'the AdmissionReview has no request object') };
  }
  if (uid === '') {
    return { ok: false, uid, decision: reject(400, 'the AdmissionReview request has no uid') };
  }
  if (typeof request.operation !== 'string' || request.operation === '') {
    return {
      ok: false,
      uid,
      decision: reject(400, 'the AdmissionReview request has no operation'),
    };
  }
  return {
    ok: true,
    request: {
      uid,
      kind: readKind(request.kind),
      namespace: optionalString(request.namespace),
      name: optionalString(request.name),
      operation: request.operation,
      dryRun: request.dryRun === true,
      object: request.object ?? undefined,
      oldObject: request.oldObject ?? undefined,
    },
  };
}
