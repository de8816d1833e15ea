/**
 * Keep secret values out of everything the harness prints or stores (docs/architecture.md §5). Two layers:
 * patterns that look like credentials (aws_secret_access_key=…, Authorization: Bearer …, AWS
 * access key ids, passwords in URLs), and
 * the exact values the run holds in memory (the credentials Secret, read for the bucket check),
 * including their base64 forms.
 */
export const REDACTED = '[REDACTED]';

const PATTERNS: RegExp[] = [
  /(aws_secret_access_key|aws_access_key_id|aws_session_token|secret_?key|access_?key|password|passwd|token|client_secret)(\s*["']?\s*[=:]\s*["']?)([^\s"'}]+)/gi,
  /(authorization\s*[:=]\s*)(bearer|basic)(\s+)([^\s"',;]+)/gi,
  /(X-Amz-Signature=|X-Amz-Credential=|Signature=)([^&\s"']+)/g,
  // AWS access key ids (long-term AKIA…, temporary ASIA…) wherever they appear, e.g. in a pasted error.
  /\b(?:AKIA|ASIA)[A-Z0-9]{12,24}\b/g,
  // The password of a URL's user info: scheme://user:password@host.
  /\b([a-z][a-z0-9+.-]{0,20}:\/\/[^\s:@/]{1,200}:)([^\s@/]{1,200})@/gi,
  // A line of an AWS credentials file: the value runs to the end of the line (`;`, `#` and spaces included).
  /^(\s*(?:aws_secret_access_key|aws_session_token)\s*=\s*)(\S.*)$/gim,
];

export class Redactor {
  private readonly values = new Set<string>();

  /** Remember a value that must never be shown (ignored when too short to be a secret). */
  add(value: string | undefined): void {
    if (!value) return;
    const trimmed = value.trim();
    if (trimmed.length < 4) return;
    this.values.add(trimmed);
    this.values.add(Buffer.from(trimmed, 'utf8').toString('base64'));
    // Each line of a multi-line value (a credentials file) may leak on its own.
    for (const line of trimmed.split(/\r?\n/)) {
      const part = line.includes('=') ? line.slice(line.indexOf('=') + 1).trim() : line.trim();
      if (part.length >= 4 && !/^\[.*\]$/.test(part)) this.values.add(part);
    }
  }

  get size(): number {
    return this.values.size;
  }

  text(input: string): string {
    let out = input;
    // Longest first, so a value that contains another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(value)) out = out.split(value).join(REDACTED);
    }
    out = out.replace(PATTERNS[5], (_m, head: string) => `${head}${REDACTED}`);
    out = out.replace(PATTERNS[0], (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`);
    out = out.replace(PATTERNS[1], (_m, head: string, scheme: string, space: string) => `${head}${scheme}${space}${REDACTED}`);
    out = out.replace(PATTERNS[2], (_m, key: string) => `${key}${REDACTED}`);
    out = out.replace(PATTERNS[3], REDACTED);
    out = out.replace(PATTERNS[4], (_m, head: string) => `${head}${REDACTED}@`);
    return out;
  }

  /** A deep copy with every string passed through `text` (objects stay plain JSON). */
  deep<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.deep(item)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = this.deep(item);
      return out as T;
    }
    return value;
  }

  /** Only the known values (no patterns): for objects where a pattern would mangle legitimate fields. */
  knownValues(input: string): string {
    let out = input;
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(value)) out = out.split(value).join(REDACTED);
    }
    return out;
  }

  deepKnownValues<T>(value: T): T {
    if (typeof value === 'string') return this.knownValues(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.deepKnownValues(item)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = this.deepKnownValues(item);
      return out as T;
    }
    return value;
  }
}
