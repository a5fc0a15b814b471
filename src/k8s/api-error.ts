import { OtelTaError } from '../errors.js';

/** A non-2xx answer from the API server, with its HTTP status and the Status object's reason. */
export class KubeApiError extends OtelTaError {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super('KUBE_API_ERROR', message);
    this.name = 'KubeApiError';
  }
}

export function isStatus(err: unknown, statusCode: number): boolean {
  return err instanceof KubeApiError && err.statusCode === statusCode;
}

export const isNotFound = (err: unknown): boolean => isStatus(err, 404);
export const isConflict = (err: unknown): boolean => isStatus(err, 409);
export const isGone = (err: unknown): boolean => isStatus(err, 410);
