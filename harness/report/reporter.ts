import type { Reporter } from 'vitest/node';
// Placeholder while the audit reporter is written (foundation issue).
export class AuditReporter implements Reporter {
  constructor(readonly options: { reportDir: string }) {}
}
