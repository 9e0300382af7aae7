import { parse as parseYaml, YAMLError } from 'yaml'

// Parsing scenario and fixture text. A fault says where (line and column) and never quotes
// the text: parsers quote the source around a fault, and a file that is not a scenario may
// hold secrets.

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `line ${before.length}, column ${(before[before.length - 1] ?? '').length + 1}`
}

/**
 * The offset where a JSON text stops being JSON (JSON.parse says so only by quoting the
 * text around it). A plain scanner: strings, numbers, literals, nesting — nothing more.
 */
export function jsonFaultOffset(text: string): number {
  let i = 0
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++
  }
  const fail = (): never => {
    throw i
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']'
      i++
      ws()
      if (text[i] === close) return void i++
      for (;;) {
        if (c === '{') {
          ws()
          if (text[i] !== '"') fail()
          str()
          ws()
          if (text[i] !== ':') fail()
          i++
        }
        value()
        ws()
        if (text[i] === ',') i++
        else if (text[i] === close) return void i++
        else fail()
      }
    }
    if (c === '"') return str()
    const lit = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400))
    if (!lit) fail()
    i += (lit as RegExpExecArray)[0].length
  }
  const str = (): void => {
    i++
    while (i < text.length && text[i] !== '"') {
      const ch = text.charCodeAt(i)
      if (ch < 0x20) fail()
      if (text[i] === '\\') {
        i++
        if (text[i] === 'u' ? !/^u[0-9a-fA-F]{4}/.test(text.slice(i, i + 5)) : !'"\\/bfnrt'.includes(text[i] ?? 'x')) fail()
      }
      i++
    }
    if (i >= text.length) fail()
    i++
  }
  try {
    value()
    ws()
    return i < text.length ? i : -1
  } catch (at) {
    return typeof at === 'number' ? at : -1
  }
}

export function parseJson(text: string): { value: unknown } | { fault: string } {
  try {
    return { value: JSON.parse(text) }
  } catch (e) {
    const at = jsonFaultOffset(text)
    return { fault: `valid JSON${at >= 0 ? ` at ${lineColumn(text, at)}` : ''}` }
  }
}

/** A YAML document, or why it is not one. */
export function parseYamlText(text: string): { value: unknown } | { fault: string } {
  try {
    // maxAliasCount bounds alias expansion, so a "billion laughs" document fails fast.
    return { value: parseYaml(text, { maxAliasCount: 100, uniqueKeys: true, prettyErrors: false }) }
  } catch (e) {
    // The parser's message quotes the source; its code and position say enough.
    if (e instanceof YAMLError) return { fault: `valid YAML at ${lineColumn(text, e.pos[0])} (${e.code})` }
    return { fault: `valid YAML (${/alias/i.test((e as Error).message) ? 'at most 100 alias expansions' : 'a document the YAML parser accepts'})` }
  }
}
