/**
 * Text from a cluster or a paste (a Backup's failureReason, an event message, a log tail) is
 * data, never markup or terminal control. The report model passes every string through
 * `stripControls` once (buildReport), so every output starts from clean text; each renderer then
 * escapes for its own format (render-markdown.ts, render-junit.ts).
 */

/**
 * C0 controls except tab and newline (ESC starts ANSI/OSC sequences, CR overwrites a terminal
 * line), DEL, C1 controls (U+0080–U+009F, where CSI and OSC also live), and the bidirectional
 * overrides and isolates that reorder what a reader sees (U+202A–U+202E, U+2066–U+2069).
 */
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function stripControls(text: string): string {
  return text.replace(CONTROLS, '');
}

/** A deep copy with every string (object keys included) passed through stripControls. */
export function stripControlsDeep<T>(value: T): T {
  if (typeof value === 'string') return stripControls(value) as T;
  if (Array.isArray(value)) return value.map((item) => stripControlsDeep(item)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[stripControls(key)] = stripControlsDeep(item);
    return out as T;
  }
  return value;
}

/**
 * Characters XML 1.0 does not allow at all, even as references: the controls above tab-newline,
 * lone surrogates, U+FFFE and U+FFFF (https://www.w3.org/TR/xml/#charsets).
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function dropNonXmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

/** Markdown text that renders as the literal characters: no emphasis, links, HTML or line breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]{}()#+!|~:@]/g, (char) => `\\${char}`)
    // Bare "www." would still be autolinked by GitHub; "www\." is not.
    .replace(/\bwww\./gi, (match) => `${match.slice(0, -1)}\\.`);
}

/** An inline code span holding `text` verbatim (a fence longer than any backtick run inside). */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.startsWith(' ') ? ' ' : '';
  return flat === '' ? '' : `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced code block whose fence no line of `text` can close. */
export function codeBlock(text: string, info = ''): string[] {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...text.trimEnd().split(/\r?\n/), fence];
}

/** Text inside an HTML element (e.g. <summary>). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
