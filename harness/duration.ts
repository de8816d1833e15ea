/**
 * Go `time.Duration` strings as Velero writes them (`metav1.Duration`): `336h`, `336h0m0s`,
 * `1h30m`, `90s`, `1.5h`, `500ms`. TTLs must be compared as durations, never as strings
 * (docs/velero-facts.md §3 "Durations": the chart stores `336h`, backups carry `336h0m0s`).
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds of a Go duration string, or `undefined` when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const input = text.trim();
  if (input === '0') return 0;
  let sign = 1;
  let rest = input;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '') return undefined;
  TERM.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  while (consumed < rest.length) {
    TERM.lastIndex = consumed;
    const match = TERM.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]];
    consumed = TERM.lastIndex;
  }
  return sign * total;
}

/** A compact human form: `14d (336h)`, `26h`, `45m`, `30s`. */
export function formatDuration(ms: number): string {
  const negative = ms < 0;
  const abs = Math.abs(ms);
  const hours = abs / 3_600_000;
  let text: string;
  if (abs >= 86_400_000 && Number.isInteger(hours) && hours % 24 === 0) text = `${hours / 24}d (${hours}h)`;
  else if (abs >= 3_600_000) text = `${Math.round(hours * 10) / 10}h`;
  else if (abs >= 60_000) text = `${Math.round(abs / 6_000) / 10}m`;
  else text = `${Math.round(abs / 100) / 10}s`;
  return negative ? `-${text}` : text;
}
