import { jobStatusAt, jobUpdatedAt, type Job } from '../domain/job.js'
import { isoTime } from '../domain/iso-time.js'
import { extractResult, fieldMetadata, pageCount, parsedPages, type ParsedPage } from '../scenario/job-content.js'
import type { ExtractJobAnswer, ParseJobAnswer, ParseResultAnswer } from '../schemas/jobs.js'

/** The parse tier a configuration id names (`cfg-PARSE_FAST` → fast); agentic by default. */
export function tierOf(configurationId: string): 'fast' | 'cost_effective' | 'agentic' | 'agentic_plus' {
  const c = configurationId.toUpperCase()
  if (c.includes('AGENTIC_PLUS')) return 'agentic_plus'
  if (c.includes('COST_EFFECTIVE')) return 'cost_effective'
  if (c.includes('FAST')) return 'fast'
  return 'agentic'
}

/** Credits a page, by tier: parse (LlamaParse) and extract (the SDK's documented rates). */
const PARSE_CREDITS = { fast: 1, cost_effective: 3, agentic: 10, agentic_plus: 45 } as const
const EXTRACT_CREDITS = { fast: 5, cost_effective: 5, agentic: 15, agentic_plus: 50 } as const

/** The job object every parse answer carries (`job` of a GET, the items of a list, a cancel). */
export function parseJobAnswer(job: Job, withUsage: boolean): ParseJobAnswer {
  const status = jobStatusAt(job.plan, job.t)
  const tier = tierOf(job.configurationId)
  const answer: ParseJobAnswer = {
    id: job.id,
    project_id: job.projectId,
    status,
    created_at: isoTime(job.plan.createdAt),
    updated_at: isoTime(jobUpdatedAt(job.plan, job.t)),
    error_message: status === 'FAILED' ? job.plan.error : null,
    name: job.fileName,
    tier,
    user_metadata: null
  }
  if (withUsage) answer.usage = { credits: status === 'COMPLETED' ? pageCount(job.seed, job.id, job.fileName) * PARSE_CREDITS[tier] : null }
  return answer
}

const succeeded = (p: ParsedPage): p is Extract<ParsedPage, { success: true }> => p.success

/**
 * `GET /parse/{id}`: the job, and each expanded part — its pages' markdown, text, items
 * or metadata once the job is COMPLETED (null before, and for a failed job).
 */
export function parseResultAnswer(job: Job, expand: readonly string[]): ParseResultAnswer {
  const answer: ParseResultAnswer = { job: parseJobAnswer(job, expand.includes('usage')) }
  const parts = ['markdown', 'text', 'items', 'metadata'].filter((p) => expand.includes(p))
  if (parts.length === 0) return answer
  const done = answer.job.status === 'COMPLETED'
  const pages = done ? parsedPages(job.seed, job.id, job.fileName, job.pageErrorRate) : null
  const failed = (p: ParsedPage) => ({ page_number: p.page_number, success: false as const, error: (p as { error: string }).error })
  for (const part of parts) {
    if (pages === null) {
      answer[part as 'markdown'] = null
      continue
    }
    switch (part) {
      case 'markdown':
        answer.markdown = { pages: pages.map((p) => (succeeded(p) ? { page_number: p.page_number, success: true as const, markdown: p.markdown } : failed(p))) }
        break
      case 'text':
        answer.text = { pages: pages.map((p) => ({ page_number: p.page_number, text: succeeded(p) ? p.text : '' })) }
        break
      case 'items':
        answer.items = { pages: pages.map((p) => (succeeded(p) ? { page_number: p.page_number, success: true as const, page_width: 612, page_height: 792, items: p.items } : failed(p))) }
        break
      case 'metadata': {
        const scored = pages.filter(succeeded)
        const scores = scored.map((p) => p.confidence)
        answer.metadata = {
          pages: pages.map((p) => ({
            page_number: p.page_number,
            confidence: succeeded(p) ? p.confidence : null,
            cost_optimized: false,
            printed_page_number: String(p.page_number),
            triggered_auto_mode: false
          })),
          document: {
            confidence: scores.length > 0 ? Number((scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(3)) : null,
            confidence_breakdown: scores.length > 0 ? { min_page_score: Math.min(...scores), scored_pages: scores.length, total_pages: pages.length } : null
          }
        }
        break
      }
    }
  }
  return answer
}

/** An extract job: its result once COMPLETED; `extract_metadata` and `usage` when expanded. */
export function extractJobAnswer(job: Job, expand: readonly string[]): ExtractJobAnswer {
  const status = jobStatusAt(job.plan, job.t)
  const done = status === 'COMPLETED'
  const result = done ? extractResult(job.seed, job.id, job.fileName) : null
  const tier = tierOf(job.configurationId)
  const answer: ExtractJobAnswer = {
    id: job.id,
    created_at: isoTime(job.plan.createdAt),
    updated_at: isoTime(jobUpdatedAt(job.plan, job.t)),
    file_input: job.fileId,
    project_id: job.projectId,
    status,
    configuration_id: job.configurationId,
    error_message: status === 'FAILED' ? job.plan.error : null,
    extract_result: result
  }
  if (expand.includes('extract_metadata')) {
    answer.extract_metadata = result === null ? null : { field_metadata: { document_metadata: fieldMetadata(job.seed, job.id, result) }, parse_job_id: null, parse_tier: tier }
  }
  if (expand.includes('usage')) {
    const pages = done ? pageCount(job.seed, job.id, job.fileName) : 0
    answer.usage = done ? { credits: pages * (EXTRACT_CREDITS[tier] + PARSE_CREDITS[tier]), extract_credits: pages * EXTRACT_CREDITS[tier], parse_credits: pages * PARSE_CREDITS[tier] } : null
  }
  return answer
}
