/**
 * Text as the matcher quotes it: control sequences and paste markers removed, values cut and
 * redacted, cause and fix templates filled.
 */
import type { Redactor } from '../../redact.ts';

const MAX_VALUE_CHARS = 200;

// ESC/CSI sequences (colours from `velero describe`) and other control characters except tab.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

export function clean(text: string): string {
  // Most lines hold no control character and start with neither a backtick nor `>`: leave them be.
  let out = HAS_CONTROL.test(text) ? text.replace(ANSI, '').replace(/\r$/, '').replace(CONTROL, ' ') : text;
  const first = out.trimStart().charAt(0);
  // Inline code and quote markers a paste wraps around a line.
  if (first === '`' || first === '>') out = out.replace(/^(\s*)(?:>\s?|`(?!``))/, '$1');
  return out;
}

export function cleanValues(groups: Record<string, string | undefined>, redactor: Redactor): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(groups)) {
    if (value === undefined || value === '') continue;
    const trimmed = value.trim();
    values[key] = redactor.text(trimmed.length > MAX_VALUE_CHARS ? `${trimmed.slice(0, MAX_VALUE_CHARS)}…` : trimmed);
  }
  return values;
}

/** Fill `{name}` / `{name|default}`; tidy the spaces an empty value leaves. */
export function fill(template: string, values: Record<string, string>): string {
  return template
    .replace(/\{(\w+)(?:\|([^}]*))?\}/g, (_match, name: string, fallback: string | undefined) => values[name] ?? fallback ?? `<${name}>`)
    .replace(/ {2,}/g, ' ')
    .replace(/ ([,.;:)])/g, '$1')
    .replace(/\( /g, '(');
}
