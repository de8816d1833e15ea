/**
 * The canary drill's outcome (issue 3 owns and grows this): backup → restore into a new
 * namespace → checksum → cleanup. Plain data, carried into the judges and the report.
 */
export interface DrillStep {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  detail?: string;
}

export interface DrillResult {
  status: 'passed' | 'failed' | 'not-run';
  reason?: string;
  runId: string;
  sourceNamespace?: string;
  targetNamespace?: string;
  backupName?: string;
  restoreName?: string;
  expectedSha256?: string;
  restoredSha256?: string;
  steps: DrillStep[];
}
