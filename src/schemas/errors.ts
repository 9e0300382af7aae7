import { Type, type Static } from '@sinclair/typebox'

export const HttpErrorSchema = Type.Object({ detail: Type.String() }, { description: 'FastAPI-style error' })
export type HttpError = Static<typeof HttpErrorSchema>

export const ValidationIssueSchema = Type.Object({
  type: Type.String(),
  loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
  msg: Type.String(),
  input: Type.Unknown()
})
export type ValidationIssue = Static<typeof ValidationIssueSchema>

export const ValidationErrorSchema = Type.Object(
  { detail: Type.Array(ValidationIssueSchema) },
  { description: 'FastAPI-style validation error' }
)
export type ValidationError = Static<typeof ValidationErrorSchema>
