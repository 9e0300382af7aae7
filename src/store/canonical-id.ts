// Kept until every importer takes it from ids.ts.
export { canonicalId } from '../ids.js'
