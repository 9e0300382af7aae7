/** How much of a string an error quotes back. */
export const MAX_QUOTED_CHARS = 100
/** How long an error message that may carry user input can get. */
export const MAX_MESSAGE_CHARS = 500

/**
 * Text that may carry user input (a message, a key, a scenario value), cut to `max`
 * characters and "…": the one way errors quote what they were given.
 */
export function quoteText(text: string, max = MAX_MESSAGE_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/** A value quoted inside a message (a name, a path, a time): its first MAX_QUOTED_CHARS characters. */
export function quoteShort(text: string): string {
  return quoteText(text, MAX_QUOTED_CHARS)
}
