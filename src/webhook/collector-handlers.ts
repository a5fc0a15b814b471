import { convertCollector } from '../collector/convert.js';
import { OtelTaError, errorMessage } from '../errors.js';
import type { AdmissionRequest } from './admission-review.js';
import {
  mutateAdmission,
  validateAdmission,
  type AdmissionSettings,
} from './collector-admission.js';
import {
  conversionFailure,
  conversionSuccess,
  type ConversionRequest,
  type ConversionReviewBody,
} from './conversion-review.js';
import type { AdmissionHandlers } from './webhook-app.js';

function inputOf(request: AdmissionRequest): Parameters<typeof mutateAdmission>[0] {
  return {
    object: request.object,
    operation: request.operation,
    namespace: request.namespace,
    name: request.name,
  };
}

/**
 * Converts every object of the review or none: the API server needs them all, and a partial
 * answer would be rejected anyway. The failure names the object at fault.
 */
function convert(request: ConversionRequest): ConversionReviewBody {
  const converted: unknown[] = [];
  for (const [index, object] of request.objects.entries()) {
    try {
      converted.push(convertCollector(object, request.desiredAPIVersion));
    } catch (err) {
      const code = err instanceof OtelTaError ? 400 : 500;
      return conversionFailure(request.uid, code, `objects[${index}]: ${errorMessage(err)}`);
    }
  }
  return conversionSuccess(request.uid, converted);
}

/** Binds the admission server to the OpenTelemetryCollector domain and the admin policy. */
export function createCollectorHandlers(settings: AdmissionSettings): AdmissionHandlers {
  return {
    mutate: (request) => mutateAdmission(inputOf(request), settings),
    validate: (request) => validateAdmission(inputOf(request), settings),
    convert,
  };
}
