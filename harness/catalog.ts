/**
 * The item catalog (docs/architecture.md §2): every item once, with a stable id, the plan line it encodes,
 * its severity and the targets that can evaluate it. Specs, the reporter and docs read from here.
 * Ids are stable once released: add items, never rename them.
 */
const TARGETS = ['kind', 'cluster', 'snapshot', 'manifests'] as const;
export type TargetKind = (typeof TARGETS)[number];

export type Severity = 'required' | 'advisory';

export type PlanSection = 'Definition of Done' | 'Must Have' | 'Must NOT Have (Guardrails)' | 'Beyond the plan';

export interface CatalogItem {
  id: string;
  section: PlanSection;
  /** The plan line, quoted from plan/velero-kopia-plan.md (or the closest line for beyond-plan items). */
  planLine: string;
  /** What the harness checks, in one sentence. */
  checks: string;
  severity: Severity;
  targets: readonly TargetKind[];
  /** Why a target that is not listed cannot evaluate the item; shown in the report. */
  notOn?: Partial<Record<TargetKind, string>>;
}

const LIVE = ['kind', 'cluster', 'snapshot'] as const;
const ALL = TARGETS;

const NO_CLUSTER = 'needs a live cluster or captured cluster state; rendered manifests cannot prove it';

export const CATALOG = [
  {
    id: 'dod.pods-running',
    section: 'Definition of Done',
    planLine: '`kubectl get pod -n velero` shows Running',
    checks: 'The velero Deployment and the node-agent DaemonSet are available (not transient data-mover or maintenance-job pods).',
    severity: 'required',
    targets: LIVE,
    notOn: { manifests: NO_CLUSTER },
  },
  {
    id: 'dod.bsl-available',
    section: 'Definition of Done',
    planLine: '`velero backup-location get` shows Available',
    checks: 'The plan\'s BackupStorageLocation has phase Available and a recent lastValidationTime.',
    severity: 'required',
    targets: LIVE,
    notOn: { manifests: NO_CLUSTER },
  },
  {
    id: 'dod.manual-backup',
    section: 'Definition of Done',
    planLine: 'Manual backup completes successfully',
    checks: 'A manual (not scheduled) backup ended Completed; PartiallyFailed and Failed are failures with their errors shown.',
    severity: 'required',
    targets: LIVE,
    notOn: { manifests: NO_CLUSTER },
  },
  {
    id: 'dod.data-in-bucket',
    section: 'Definition of Done',
    planLine: 'Data verified in MinIO bucket',
    checks: 'The backup\'s files exist under backups/<name>/, the tarball holds the resources, and a Kopia repository exists for each namespace with volumes.',
    severity: 'required',
    targets: LIVE,
    notOn: { manifests: 'needs the bucket; rendered manifests cannot prove data was written' },
  },
  {
    id: 'must.fsb-kopia',
    section: 'Must Have',
    planLine: 'Kopia/FSB enabled (`deployNodeAgent: true`)',
    checks: 'The node-agent DaemonSet exists (and is ready on every node that runs pods with volumes) and the uploader is kopia.',
    severity: 'required',
    targets: ALL,
  },
  {
    id: 'must.s3-target',
    section: 'Must Have',
    planLine: 'S3 target configured for Pi MinIO',
    checks: 'The BackupStorageLocation has the plan\'s provider, bucket, prefix, s3Url, region and path style and is the default location.',
    severity: 'required',
    targets: ALL,
  },
  {
    id: 'must.schedule',
    section: 'Must Have',
    planLine: 'Schedule enabled',
    checks: 'The daily Schedule has the plan\'s cron and TTL (compared as durations) and is not paused; the time zone is noted.',
    severity: 'required',
    targets: ALL,
  },
  {
    id: 'guard.k8s-secrets',
    section: 'Must NOT Have (Guardrails)',
    planLine: 'Do NOT use existing `hosts-secrets.enc.yaml` directly (must use `k8s-secrets.enc.yaml`).',
    checks: 'Velero reads credentials from the plan\'s Secret, whose key `cloud` is an AWS credentials file with both keys; statically, it comes from the k8s secrets file.',
    severity: 'required',
    targets: ALL,
  },
  {
    id: 'guard.lan-only',
    section: 'Must NOT Have (Guardrails)',
    planLine: 'Do NOT expose MinIO publicly (keep LAN only).',
    checks: 'The s3Url host is private, nothing in the cluster exposes MinIO publicly, anonymous S3 requests are refused and no bucket policy allows Principal "*".',
    severity: 'required',
    targets: ALL,
  },
  {
    id: 'guard.minio-root-credentials',
    section: 'Must NOT Have (Guardrails)',
    planLine: 'Define `kubernetes.resources.secrets.velero-s3-credentials` (Velero\'s own MinIO user, never MinIO\'s root).',
    checks: 'No AWS credentials file in the Velero namespace holds MinIO\'s well-known root keys (minioadmin/minioadmin, minio/minio123).',
    severity: 'required',
    targets: LIVE,
    notOn: { manifests: 'rendered manifests hold the credentials encrypted (SOPS) or not at all, and values are never decrypted' },
  },
  {
    id: 'guard.repository-password',
    section: 'Must NOT Have (Guardrails)',
    planLine: 'Method: Velero + Kopia (FSB) for PVCs (with a repository password of its own, never Velero\'s default).',
    checks: 'Secret velero-repo-credentials (key repository-password) does not hold Velero\'s default static-passw0rd, with which anyone who reads the bucket can decrypt every backup.',
    severity: 'required',
    targets: LIVE,
    notOn: { manifests: 'the repository password Secret is created in the cluster, not by the chart; rendered manifests cannot show it' },
  },
  {
    id: 'beyond.restore',
    section: 'Beyond the plan',
    planLine: 'Verify backup & restore (the plan\'s final verification: "Restore [SKIPPED]")',
    checks: 'A canary backup restored into a new namespace yields data with an identical checksum.',
    severity: 'required',
    targets: ['kind', 'cluster'],
    notOn: {
      snapshot: 'the restore drill needs a writable cluster; captured state cannot run it',
      manifests: 'the restore drill needs a writable cluster',
    },
  },
  {
    id: 'beyond.volume-coverage',
    section: 'Beyond the plan',
    planLine: 'back up K8s resources and marked PVCs',
    checks: 'Each in-scope pod volume has a Completed PodVolumeBackup; volumes on hostPath PVs are silently skipped by Velero and are called out.',
    severity: 'required',
    targets: LIVE,
    notOn: { manifests: NO_CLUSTER },
  },
  {
    id: 'beyond.retention',
    section: 'Beyond the plan',
    planLine: 'MinIO ILM is 14 days; Velero TTL should match.',
    checks: 'No bucket expiration rule reaches kopia/ (it destroys the Kopia repository); a backups/ rule is not shorter than TTL plus GC slack.',
    severity: 'required',
    targets: ALL,
  },
  {
    id: 'beyond.freshness',
    section: 'Beyond the plan',
    planLine: 'Schedule: Daily at 03:00 AM.',
    checks: 'The newest scheduled backup is Completed and younger than one interval of the schedule\'s cron (in its CRON_TZ zone) plus grace.',
    severity: 'required',
    targets: LIVE,
    notOn: { manifests: 'needs backups that ran; rendered manifests cannot prove a backup ran' },
  },
  {
    id: 'beyond.image-pinning',
    section: 'Beyond the plan',
    planLine: '`initContainers`: `velero-plugin-for-aws`',
    checks: 'Velero, node-agent and plugin images are pinned (no `latest`, no missing tag) and the AWS plugin\'s minor line is the one paired with the Velero version (plugin v1.14.x ↔ Velero v1.18.x).',
    severity: 'required',
    targets: ALL,
  },
  {
    id: 'beyond.repository',
    section: 'Beyond the plan',
    planLine: 'Method: Velero + Kopia (FSB) for PVCs.',
    checks: 'Kopia BackupRepositories are Ready with recent maintenance, and every namespace with PodVolumeBackups has one.',
    severity: 'advisory',
    targets: LIVE,
    notOn: { manifests: NO_CLUSTER },
  },
  {
    id: 'beyond.credentials-valid',
    section: 'Beyond the plan',
    planLine: 'S3 target configured for Pi MinIO',
    checks: 'The object store accepts the credentials Velero uses: the BackupStorageLocation validated Available, and no InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied or missing-credentials error is shown.',
    severity: 'required',
    targets: LIVE,
    notOn: { manifests: 'needs the object store\'s answer; rendered manifests cannot prove the credentials are accepted' },
  },
  {
    id: 'beyond.restores-completed',
    section: 'Beyond the plan',
    planLine: 'Verify backup & restore (the plan\'s final verification: "Restore [SKIPPED]")',
    checks: 'The newest Restore that was run reached phase Completed (PartiallyFailed, Failed and a restore stuck New or InProgress are failures); no restore at all is not a failure.',
    severity: 'advisory',
    targets: LIVE,
    notOn: { manifests: NO_CLUSTER },
  },
  {
    id: 'beyond.node-agent-admitted',
    section: 'Beyond the plan',
    planLine: 'Kopia/FSB enabled (`deployNodeAgent: true`)',
    checks: 'The Velero namespace\'s Pod Security level admits the node agent (its hostPath volumes need `privileged`; `baseline` and `restricted` refuse its pods).',
    severity: 'required',
    targets: ALL,
  },
] as const satisfies readonly CatalogItem[];

export type ItemId = (typeof CATALOG)[number]['id'];

const BY_ID = new Map<string, CatalogItem>(CATALOG.map((item) => [item.id, item]));

export function catalogItem(id: string): CatalogItem {
  const item = BY_ID.get(id);
  if (!item) throw new Error(`Unknown catalog item "${id}"`);
  return item;
}

export function isItemId(id: string): id is ItemId {
  return BY_ID.has(id);
}

/** Why `target` cannot evaluate `item`, or undefined when it can. */
export function notEvaluableReason(item: CatalogItem, target: TargetKind): string | undefined {
  if ((item.targets as readonly string[]).includes(target)) return undefined;
  return item.notOn?.[target] ?? `the ${target} target cannot evaluate this item`;
}
