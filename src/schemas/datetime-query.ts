import { Type } from '@sinclair/typebox'

/** The ajv keyword (see http/validator.ts) that reads a datetime query value and rewrites it as ISO 8601 UTC. */
export const DATETIME_KEYWORD = 'x-datetime'

/** A datetime query parameter, read as pydantic v2 reads one; the handler sees it as ISO 8601 UTC. */
export const DateTimeQuery = (description: string) =>
  Type.String({
    [DATETIME_KEYWORD]: true,
    description: `${description}. An ISO 8601 datetime (no offset means UTC), a date, or unix seconds.`
  })
