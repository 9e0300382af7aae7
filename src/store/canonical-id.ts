/**
 * The form under which ids are compared and indexed: `prj-<UUID>`, `prj-<uuid>` and
 * `<uuid>` are one project (likewise `org-`). Answers keep each id as it was written.
 */
export function canonicalId(id: string): string {
  return id.replace(/^[a-z]{3}-/i, '').toLowerCase()
}
