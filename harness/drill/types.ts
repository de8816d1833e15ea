/**
 * The canary drill's outcome: backup → restore into a new
 * namespace → checksum → cleanup. Plain data, carried into the judges and the report; it never
 * holds a secret value (diagnostics are redacted before they land here).
 */

/** The drill's steps, in order. Cleanup steps are prefixed `cleanup:`. */
export const DRILL_STEPS = [
  'preflight',
  'create-canary',
  'write-data',
  'backup',
  'mark-source',
  'restore',
  'verify',
] as const;
export type DrillStepName = (typeof DRILL_STEPS)[number];

export interface DrillStep {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  detail?: string;
  /** The phase of the object the step waited on, when it had one (Backup, Restore, DeleteBackupRequest). */
  phase?: string;
}

export interface PodVolumeBackupSummary {
  name: string;
  volume?: string;
  pod?: string;
  phase?: string;
  uploaderType?: string;
  message?: string;
}

/** Collected on failure or deadline, before cleanup (docs/architecture.md §6). Redacted. */
export interface DrillDiagnostics {
  /** The step that failed or timed out. */
  step: string;
  /** One line: what went wrong. */
  summary: string;
  collectedAt: string;
  /** The objects the step was about, as YAML. */
  objects: Array<{ ref: string; yaml: string }>;
  /** Recent events of the drill namespaces and the Velero namespace, one line each. */
  events: string[];
  /** Log tails: the velero Deployment and the node-agent pods. */
  logs: Array<{ source: string; tail: string }>;
  /** Diagnostics that could not be collected, and why. */
  problems: string[];
}

export interface DrillCleanup {
  /** `done`: everything the run created is gone; `kept`: --keep; `incomplete`: something is left (see `left`). */
  status: 'done' | 'kept' | 'incomplete' | 'nothing-to-do';
  deleted: string[];
  /** What is still there (kept on purpose with --keep, or left because deletion failed). */
  left: string[];
  problems: string[];
  /** Whether the bucket confirmed backups/<name>/ is gone (undefined: not checked). */
  bucketConfirmed?: boolean;
}

export interface DrillResult {
  status: 'passed' | 'failed' | 'not-run';
  reason?: string;
  runId: string;
  /** The step that failed (status `failed`). */
  failedStep?: string;
  /** Set when the drill was stopped by SIGINT/SIGTERM or its AbortSignal. */
  interrupted?: string;
  sourceNamespace?: string;
  targetNamespace?: string;
  backupName?: string;
  restoreName?: string;
  backupPhase?: string;
  backupErrors?: number;
  backupWarnings?: number;
  restorePhase?: string;
  restoreErrors?: number;
  restoreWarnings?: number;
  podVolumeBackups?: PodVolumeBackupSummary[];
  /** The PodVolumeRestores of the drill's Restore, collected when the restore did not complete. */
  podVolumeRestores?: PodVolumeBackupSummary[];
  /** The Velero the drill met (server image tag) and the rules of that release it applied. */
  velero?: { version?: string; image?: string; rules: string[] };
  /** Leftovers of earlier runs past their deadline, swept before this run started. */
  swept?: { runs: string[]; deleted: string[]; left: string[]; problems: string[] };
  /** The change made to the canary namespace's BackupRepository maintenance frequency, if any. */
  repositoryMaintenance?: string;
  /** Backups that were running when the drill started (it waited for them, or stopped). */
  busyWith?: string[];
  /** Volumes the canary pod has that file-system backup must cover. */
  expectedVolumes?: string[];
  /** sha256 computed locally from the deterministic canary content. */
  expectedSha256?: string;
  /** sha256 the writer pod printed for what it wrote. */
  writtenSha256?: string;
  /** sha256 the verifier pod printed for the restored data. */
  restoredSha256?: string;
  /** Whether the post-backup marker was found in the restored volume (it must not be). */
  markerPresent?: boolean;
  dataSizeBytes?: number;
  steps: DrillStep[];
  diagnostics?: DrillDiagnostics;
  cleanup?: DrillCleanup;
}
