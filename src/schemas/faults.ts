import { Type, type Static } from '@sinclair/typebox'

/** At most this many fault rules are in force at once (POST /_mock/faults and a scenario alike). */
export const MAX_FAULT_RULES = 1000
/** A rule's path pattern is at most this many characters. */
export const MAX_FAULT_PATTERN = 256

export const CONNECTION_FAULTS = ['reset', 'empty', 'truncated', 'malformed'] as const

export const DelaySchema = Type.Union(
  [
    Type.Integer({ minimum: 0, maximum: 600_000, description: 'A fixed delay in ms' }),
    Type.Object({ min: Type.Integer({ minimum: 0, maximum: 600_000 }), max: Type.Integer({ minimum: 0, maximum: 600_000 }) }, { additionalProperties: false, description: 'Uniform between min and max ms' }),
    Type.Object(
      { median: Type.Integer({ minimum: 0, maximum: 600_000 }), sigma: Type.Number({ minimum: 0, maximum: 5 }) },
      { additionalProperties: false, description: 'Lognormal around median ms' }
    )
  ],
  { description: 'Added latency' }
)
export type Delay = Static<typeof DelaySchema>

export const FaultRuleSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    method: Type.Optional(Type.String({ pattern: '^([A-Za-z]+|\\*)$', description: 'HTTP method, or * (default)' })),
    path: Type.String({ pattern: '^/', maxLength: MAX_FAULT_PATTERN, description: `Path pattern: * is one segment, ** anything (at most ${MAX_FAULT_PATTERN} characters)` }),
    header: Type.Optional(
      Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), value: Type.Optional(Type.String({ maxLength: 1024 })) }, { additionalProperties: false })
    ),
    times: Type.Optional(Type.Integer({ minimum: 1, description: 'Fire for the first N matching requests only' })),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Fire for each match with this probability (seeded)' })),
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
    detail: Type.Optional(Type.String({ maxLength: 2000 })),
    retry_after: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, description: 'Retry-After header, seconds' })),
    delay_ms: Type.Optional(DelaySchema),
    connection: Type.Optional(Type.Union(CONNECTION_FAULTS.map((c) => Type.Literal(c)), { description: 'Break the connection instead of answering' }))
  },
  { additionalProperties: false }
)
export type FaultRule = Static<typeof FaultRuleSchema>

export const FaultStateSchema = Type.Composite([
  FaultRuleSchema,
  Type.Object({ id: Type.String(), matched: Type.Integer(), fired: Type.Integer() })
])

export const FaultListSchema = Type.Object({ faults: Type.Array(FaultStateSchema) })
