/** `apiextensions.k8s.io/v1` ConversionReview, as the API server sends it to a CRD conversion webhook. */
export const CONVERSION_API_VERSION = 'apiextensions.k8s.io/v1';
export const CONVERSION_KIND = 'ConversionReview';

export interface ConversionRequest {
  readonly uid: string;
  readonly desiredAPIVersion: string;
  readonly objects: readonly unknown[];
}

export interface ConversionReviewBody {
  apiVersion: typeof CONVERSION_API_VERSION;
  kind: typeof CONVERSION_KIND;
  response: {
    uid: string;
    convertedObjects: unknown[];
    result: { status: 'Success' | 'Failure'; message?: string; code?: number };
  };
}

export type ParsedConversionReview =
  | { readonly ok: true; readonly request: ConversionRequest }
  | { readonly ok: false; readonly uid: string; readonly message: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseConversionReview(body: unknown): ParsedConversionReview {
  if (!isObject(body)) {
    return {
      ok: false,
      uid: '',
      message: 'the request body must be a ConversionReview JSON object',
    };
  }
  const request = isObject(body.request) ? body.request : undefined;
  const uid = typeof request?.uid === 'string' ? request.uid : '';
  if (body.apiVersion !== CONVERSION_API_VERSION || body.kind !== CONVERSION_KIND) {
    return {
      ok: false,
      uid,
      message: `expected apiVersion ${CONVERSION_API_VERSION} kind ${CONVERSION_KIND}, got apiVersion ${JSON.stringify(body.apiVersion)} kind ${JSON.stringify(body.kind)}; set conversionReviewVersions: [v1] in the CRD`,
    };
  }
  if (request === undefined)
    return { ok: false, uid, message: 'the ConversionReview has no request object' };
  if (typeof request.desiredAPIVersion !== 'string' || request.desiredAPIVersion === '') {
    return { ok: false, uid, message: 'the ConversionReview request has no desiredAPIVersion' };
  }
  if (!Array.isArray(request.objects)) {
    return { ok: false, uid, message: 'the ConversionReview request has no objects list' };
  }
  return {
    ok: true,
    request: { uid, desiredAPIVersion: request.desiredAPIVersion, objects: request.objects },
  };
}

export function conversionSuccess(uid: string, convertedObjects: unknown[]): ConversionReviewBody {
  return {
    apiVersion: CONVERSION_API_VERSION,
    kind: CONVERSION_KIND,
    response: { uid, convertedObjects, result: { status: 'Success' } },
  };
}

export function conversionFailure(
  uid: string,
  code: number,
  message: string,
): ConversionReviewBody {
  return {
    apiVersion: CONVERSION_API_VERSION,
    kind: CONVERSION_KIND,
    response: { uid, convertedObjects: [], result: { status: 'Failure', code, message } },
  };
}
