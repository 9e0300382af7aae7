import { MockError } from './errors.js'

/**
 * A request value that passed its schema but cannot be used (an unknown saved webhook
 * configuration, a webhook URL to a host not allowed): answered as a FastAPI 422 naming
 * the field by its `loc`.
 */
export class InvalidFieldError extends MockError {
  constructor(
    readonly loc: readonly (string | number)[],
    message: string,
    readonly input: unknown
  ) {
    super('INVALID_FIELD', message)
  }
}
