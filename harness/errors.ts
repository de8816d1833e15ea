/**
 * An error the user can fix: bad configuration, unreadable input, missing prerequisites.
 * The CLI prints `message` as one paragraph and exits 2 — never a stack trace.
 */
export class AuditInputError extends Error {
  override readonly name = 'AuditInputError';
  constructor(message: string) {
    super(message);
  }
}

export function isAuditInputError(error: unknown): error is AuditInputError {
  return error instanceof AuditInputError;
}

/** A short, single-line description of any thrown value, for reports and diagnostics. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\s+/g, ' ').trim();
  return String(error);
}
