/**
 * Times as the Velero CLI prints them (`2021-07-28 19:05:36 +0200 CEST`, Go's
 * time.Time.String()) and as kubectl describe prints them (RFC 3339), to ISO 8601.
 */
export function parseCliTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (text === '' || /^<.*>$/.test(text) || text === 'n/a') return undefined;
  const go = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.\d+)?\s*([+-]\d{4}|Z)?/.exec(text);
  if (!go) return undefined;
  const zone = !go[3] || go[3] === 'Z' ? 'Z' : `${go[3].slice(0, 3)}:${go[3].slice(3)}`;
  const time = Date.parse(`${go[1]}T${go[2]}${zone}`);
  return Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}
