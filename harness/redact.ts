/**
 * Keep secret values out of everything the harness prints or stores (docs/architecture.md §5,
 * docs/triage.md "Secrets in pastes"). Two layers, usable alone or together:
 * - `redactSecrets`: text shaped like a credential, in the forms AWS, MinIO and Kubernetes print
 *   (aws_secret_access_key=…, MINIO_ROOT_PASSWORD=…, Authorization: Bearer …, AWS access key ids,
 *   passwords in URLs, presigned-URL signatures). The words around a secret stay, so a line
 *   still reads.
 * - `redactValues`: the exact values a run holds in memory (the credentials it was given or read
 *   from the cluster), in every printable form the caller lists.
 * A `Redactor` remembers the run's values (and their base64 forms) and applies both layers.
 */
export const REDACTED = '[REDACTED]';

/** Values shorter than this are not treated as secrets (replacing them would shred ordinary text). */
const MIN_SECRET_CHARS = 4;

type Rule = [pattern: RegExp, replace: (match: string, ...groups: string[]) => string];

const RULES: Rule[] = [
  // A line of an AWS credentials file: the value runs to the end of the line (the format allows
  // `;`, `#` and spaces in it). First, so a later rule cannot leave the tail of the value behind.
  [/^(\s*(?:aws_secret_access_key|aws_session_token)\s*=\s*)\S.*$/gim, (_m, head) => `${head}${REDACTED}`],
  // key = value, key: "value", secretKey: value, MINIO_ROOT_PASSWORD=value (any separator, quoted
  // or not; the name may carry a prefix, so no word boundary before it; the value runs to white
  // space or a quote).
  [
    /(aws_secret_access_key|aws_access_key_id|aws_session_token|secret_?access_?key|secret_?key|access_?key|client_secret|password|passwd|token|api_?key)(\s*["']?\s*[=:]\s*["']?)([^\s"']+)/gi,
    (_m, key, separator) => `${key}${separator}${REDACTED}`,
  ],
  // An Authorization header, any case: `authorization: Bearer …`, `Authorization=Basic …`.
  [/(authorization\s*[:=]\s*)(bearer|basic)(\s+)([^\s"',;]+)/gi, (_m, head, scheme, space) => `${head}${scheme}${space}${REDACTED}`],
  // A bearer or basic credential anywhere else (capitalised as HTTP writes it, 8+ token characters).
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, (_m, scheme) => `${scheme} ${REDACTED}`],
  // Presigned URL signatures and credentials.
  [/(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|GoogleAccessId)=([^&\s"']+)/g, (_m, key) => `${key}=${REDACTED}`],
  // AWS access key ids (long-term AKIA…, temporary ASIA…) wherever they appear, e.g. in a pasted error.
  [/\b(?:AKIA|ASIA)[A-Z0-9]{12,24}\b/g, () => REDACTED],
  // The password of a URL's user info: scheme://user:password@host (bounded, so a long line cannot backtrack for long).
  [/\b([a-z][a-z0-9+.-]{0,20}:\/\/[^\s:@/]{1,200}:)([^\s@/]{1,200})@/gi, (_m, head) => `${head}${REDACTED}@`],
];

/** Redact everything in `text` that is shaped like a credential. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replace] of RULES) out = out.replace(pattern, replace);
  return out;
}

/** Replace every occurrence of the listed values (longest first, so a value containing another goes whole). */
export function redactValues(text: string, values: Iterable<string>): string {
  let out = text;
  const longestFirst = [...values].filter((value) => value.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
  for (const value of longestFirst) if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out;
}

/** A deep copy with every string passed through `redact` (objects stay plain JSON). */
function mapStrings<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, redact)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = mapStrings(item, redact);
    return out as T;
  }
  return value;
}

export class Redactor {
  private readonly values = new Set<string>();

  /** Remember a value that must never be shown (ignored when too short to be a secret). */
  add(value: string | undefined): void {
    if (!value) return;
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_CHARS) return;
    this.values.add(trimmed);
    this.values.add(Buffer.from(trimmed, 'utf8').toString('base64'));
    // Each line of a multi-line value (a credentials file) may leak on its own.
    for (const line of trimmed.split(/\r?\n/)) {
      const part = line.includes('=') ? line.slice(line.indexOf('=') + 1).trim() : line.trim();
      if (part.length >= MIN_SECRET_CHARS && !/^\[.*\]$/.test(part)) this.values.add(part);
    }
  }

  get size(): number {
    return this.values.size;
  }

  /** The known values, then every credential-shaped text. */
  text(input: string): string {
    return redactSecrets(this.knownValues(input));
  }

  /** A deep copy with every string passed through `text`. */
  deep<T>(value: T): T {
    return mapStrings(value, (text) => this.text(text));
  }

  /** Only the known values (no patterns): for objects where a pattern would mangle legitimate fields. */
  knownValues(input: string): string {
    return redactValues(input, this.values);
  }

  deepKnownValues<T>(value: T): T {
    return mapStrings(value, (text) => this.knownValues(text));
  }
}
