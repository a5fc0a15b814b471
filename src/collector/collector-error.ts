import { OtelTaError } from '../errors.js';

/**
 * A collector manifest the domain cannot act on (config that is not YAML, a field of the wrong
 * type, a stash too large for annotations). The message says what to change; the mutation turns it
 * into an admission denial with `status`, conversion into a failed ConversionReview.
 */
export class CollectorInputError extends OtelTaError {
  constructor(
    code: string,
    message: string,
    readonly status: 400 | 422 = 400,
  ) {
    super(code, message);
    this.name = 'CollectorInputError';
  }
}
