import { RequestValidationError } from './error-handler.js'

/**
 * Compat mode: the SDK's generated tests send `page_size=0`, read as "the default". A
 * list route's preValidation hook (`preValidation: lenient ? compatPageSize : []`).
 */
export async function compatPageSize(request: { query: unknown }): Promise<void> {
  const query = request.query as Record<string, unknown>
  if (query.page_size === '0') delete query.page_size
}

/** The 422 for a `page_token` this server did not issue for this query (outside compat mode). */
export const invalidPageToken = (input: unknown): RequestValidationError =>
  new RequestValidationError([{ type: 'value_error', loc: ['query', 'page_token'], msg: 'Value error, page_token was not issued by this server for this query', input }])
