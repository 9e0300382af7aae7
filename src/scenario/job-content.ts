import { hashSeed } from '../ids.js'
import { seededFaker, type Faker } from '../store/seeded-faker.js'

/** Pages a parsed document has at most (a job's whole content stays a few KB). */
export const MAX_PAGES = 8

export interface PageItem {
  type: 'heading' | 'text' | 'table'
  md: string
  value?: string
  level?: number
  csv?: string
  html?: string
  rows?: string[][]
}

/** One page of a parsed document: its content, or why it failed. */
export type ParsedPage =
  | { readonly page_number: number; readonly success: true; readonly markdown: string; readonly text: string; readonly items: PageItem[]; readonly confidence: number }
  | { readonly page_number: number; readonly success: false; readonly error: string }

const PAGE_ERRORS = [
  'Page could not be rendered: corrupted image stream',
  'OCR timed out on this page',
  'Page exceeds the maximum of 5,000 text elements',
  'Page is blank or fully redacted'
]

const TABLE_KINDS = new Set(['invoice', 'receipt', 'statement', 'budget', 'forecast', 'report', 'survey'])

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)
const round = (n: number, digits: number): number => Number(n.toFixed(digits))

/** "invoice_2025-11.pdf" → "Invoice 2025 11"; its first word is the document's kind. */
function titleOf(fileName: string): { title: string; kind: string; ext: string } {
  const dot = fileName.lastIndexOf('.')
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName
  const words = stem.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0).slice(0, 8)
  const title = words.length > 0 ? words.map(capitalize).join(' ') : 'Document'
  return { title: title.slice(0, 80), kind: (words[0] ?? 'document').toLowerCase(), ext: dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '' }
}

function pageCountOf(f: Faker, ext: string): number {
  if (ext === 'png' || ext === 'jpg' || ext === 'jpeg') return 1
  if (ext === 'xlsx') return f.number.int({ min: 1, max: 3 })
  return f.number.int({ min: 1, max: ext === 'pptx' ? MAX_PAGES : 6 })
}

function sentence(f: Faker): string {
  return `${capitalize(f.company.catchPhrase())} lets ${f.company.name()} ${f.company.buzzPhrase()}.`
}

function table(f: Faker): string[][] {
  const rows = [['Item', 'Quantity', 'Amount']]
  const n = f.number.int({ min: 2, max: 4 })
  for (let i = 0; i < n; i++) rows.push([f.commerce.productName(), String(f.number.int({ min: 1, max: 40 })), f.finance.amount({ min: 10, max: 5000, dec: 2 })])
  return rows
}

function tableItem(rows: string[][]): PageItem {
  const md = [`| ${(rows[0] as string[]).join(' | ')} |`, `|${' --- |'.repeat((rows[0] as string[]).length)}`, ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n')
  const html = `<table>${rows.map((r, i) => `<tr>${r.map((c) => (i === 0 ? `<th>${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('')}</table>`
  return { type: 'table', md, csv: rows.map((r) => r.map((c) => (/[",]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n'), html, rows }
}

function page(f: Faker, n: number, title: string, kind: string): ParsedPage {
  const heading = n === 1 ? title : capitalize(f.company.catchPhrase())
  const level = n === 1 ? 1 : 2
  const paragraph = [sentence(f), sentence(f), sentence(f)].join(' ')
  const items: PageItem[] = [
    { type: 'heading', level, md: `${'#'.repeat(level)} ${heading}`, value: heading },
    { type: 'text', md: paragraph, value: paragraph }
  ]
  if (TABLE_KINDS.has(kind) && f.number.int({ min: 0, max: 1 }) === 1) items.push(tableItem(table(f)))
  const markdown = items.map((i) => i.md).join('\n\n')
  const text = items.map((i) => (i.type === 'table' ? (i.rows as string[][]).map((r) => r.join('\t')).join('\n') : (i.value as string))).join('\n\n')
  return { page_number: n, success: true, markdown, text, items, confidence: round(0.82 + f.number.float({ min: 0, max: 0.17 }), 3) }
}

/**
 * The pages a parse job of `fileName` produces: a title from the name, sentences and
 * (for invoices, reports and the like) tables from the faker seeded by the job id, and a
 * page that fails at `pageErrorRate`. Made on demand: the same seed and job id give the
 * same bytes, and nothing is kept.
 */
export function parsedPages(seed: number, jobId: string, fileName: string, pageErrorRate: number): ParsedPage[] {
  const f = seededFaker(hashSeed(seed, `pages:${jobId}`))
  const { title, kind, ext } = titleOf(fileName)
  const count = pageCountOf(f, ext)
  const pages: ParsedPage[] = []
  for (let n = 1; n <= count; n++) {
    if (f.number.float({ min: 0, max: 1 }) < pageErrorRate) pages.push({ page_number: n, success: false, error: f.helpers.arrayElement(PAGE_ERRORS) })
    else pages.push(page(f, n, title, kind))
  }
  return pages
}

/** How many pages a parse of `fileName` has (what usage bills), without making them. */
export function pageCount(seed: number, jobId: string, fileName: string): number {
  return pageCountOf(seededFaker(hashSeed(seed, `pages:${jobId}`)), titleOf(fileName).ext)
}

export type ExtractValue = string | number | boolean | null | ExtractValue[] | { [key: string]: ExtractValue }

/** A date in 2025, as extract answers dates. */
const isoDate = (f: Faker): string => f.date.between({ from: '2025-01-01T00:00:00.000Z', to: '2025-12-31T00:00:00.000Z' }).toISOString().slice(0, 10)

/**
 * What an extract job of `fileName` finds: an invoice's numbers and lines, a contract's
 * parties and terms, or a document's title, author and key points — seeded by the job id.
 */
export function extractResult(seed: number, jobId: string, fileName: string): { [key: string]: ExtractValue } {
  const f = seededFaker(hashSeed(seed, `extract:${jobId}`))
  const { title, kind } = titleOf(fileName)
  if (kind === 'invoice' || kind === 'receipt' || kind === 'statement') {
    const lines = Array.from({ length: f.number.int({ min: 1, max: 4 }) }, () => {
      const quantity = f.number.int({ min: 1, max: 20 })
      const unit = round(f.number.float({ min: 5, max: 900 }), 2)
      return { description: f.commerce.productName(), quantity, unit_price: unit, amount: round(quantity * unit, 2) }
    })
    return {
      invoice_number: `INV-${f.number.int({ min: 10_000, max: 99_999 })}`,
      vendor_name: f.company.name(),
      issue_date: isoDate(f),
      currency: f.helpers.arrayElement(['USD', 'EUR', 'GBP']),
      total_amount: round(lines.reduce((sum, l) => sum + l.amount, 0), 2),
      line_items: lines
    }
  }
  if (kind === 'contract' || kind === 'agreement' || kind === 'policy') {
    return {
      title,
      parties: [f.company.name(), f.company.name()],
      effective_date: isoDate(f),
      term_months: f.helpers.arrayElement([6, 12, 24, 36]),
      governing_law: f.location.state()
    }
  }
  return {
    title,
    document_type: kind,
    author: f.person.fullName(),
    date: isoDate(f),
    summary: sentence(f),
    key_points: [sentence(f), sentence(f)]
  }
}

/** Per-field confidence and where each top-level field was found, as `extract_metadata` shows it. */
export function fieldMetadata(seed: number, jobId: string, result: { [key: string]: ExtractValue }): { [key: string]: { [key: string]: ExtractValue } } {
  const f = seededFaker(hashSeed(seed, `fields:${jobId}`))
  const out: { [key: string]: { [key: string]: ExtractValue } } = {}
  for (const key of Object.keys(result)) {
    out[key] = { confidence: round(0.8 + f.number.float({ min: 0, max: 0.19 }), 3), citation: [{ page: f.number.int({ min: 1, max: 2 }), matching_text: String(result[key]).slice(0, 60) }] }
  }
  return out
}
