/**
 * One reading of datetime query values, as pydantic v2 (speedate) reads them: an ISO 8601
 * datetime with or without an offset (none means UTC), a date (its midnight UTC), or unix
 * time as a number (seconds; milliseconds beyond 2e10). Answers epoch milliseconds, or
 * the reason it is no real instant.
 *
 * @example parseInstant('2026-01-01T00:00:00.001000') // 1767225600001
 */
export function parseInstant(text: string): number | { reason: string } {
  if (text.length === 0) return { reason: 'input is too short' }
  if (text.length > 64) return { reason: 'input is too long' }
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    const n = Number(text)
    const ms = Math.abs(n) > 2e10 ? n : n * 1000
    return instant(Math.floor(ms))
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt _](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/.exec(text)
  if (!m) return { reason: 'invalid character or format' }
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => (v === undefined ? undefined : Number(v))) as number[]
  if (month! < 1 || month! > 12) return { reason: 'month value is outside expected range of 1-12' }
  if (day! < 1 || day! > daysIn(year!, month!)) return { reason: 'day value is outside expected range' }
  if (hour > 23) return { reason: 'hour value is outside expected range of 0-23' }
  if (minute > 59) return { reason: 'minute value is outside expected range of 0-59' }
  if (second > 59) return { reason: 'second value is outside expected range of 0-59' }
  let offset = 0
  if (m[9] !== undefined) {
    const oh = Number(m[10])
    const om = Number(m[11] ?? 0)
    if (oh > 23 || om > 59) return { reason: 'timezone offset must be less than 24 hours' }
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000
  }
  const date = new Date(0)
  date.setUTCFullYear(year!, month! - 1, day!)
  date.setUTCHours(hour, minute, second, Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)))
  return instant(date.getTime() - offset)
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() + (month === 2 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? -1 : 0)
}

function instant(ms: number): number | { reason: string } {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : { reason: 'value is outside the range of datetimes' }
}
