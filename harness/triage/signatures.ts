/**
 * The registry of failure signatures (in the style of Popeye's code registry and kube-bench's
 * remediation): every way a Velero installation is known to fail, as data. Each entry has a stable
 * code, the catalog item it fails, the shapes of text that show it (Velero, AWS SDK v1/v2 and Kopia
 * messages as the source code words them; phases as describe, tables and YAML print them), the cause
 * in one sentence and the fix. The messages and where they come from are in docs/velero-facts.md,
 * section "Failure signatures"; docs/signatures.md is the table of codes (kept equal by a test).
 *
 * Codes are stable once released: add entries, never renumber. `harness/triage/match.ts` applies
 * the registry to lines of text; nothing here does I/O.
 *
 * Patterns are written for untrusted input: no nested quantifiers, bounded gaps (`.{0,400}`), so a
 * line costs time linear in its length. A plain "error" (or logfmt `level=error`) is never a
 * signature: every pattern names a Velero, cloud SDK or Kopia message.
 */
import type { ItemId } from '../catalog.ts';

/** Popeye-style levels. Every signature fails its item; `warning` marks a state that may still resolve on its own or degrades rather than breaks. */
export type SignatureSeverity = 'error' | 'warning';

export type ObjectKind =
  | 'Backup'
  | 'Restore'
  | 'Schedule'
  | 'BackupStorageLocation'
  | 'BackupRepository'
  | 'PodVolumeBackup'
  | 'PodVolumeRestore';

/** Which program wrote a log line; some messages mean different things in the server and in the node agent. */
export type Component = 'server' | 'node-agent';

export interface Signature {
  /** Stable code, `VV-<AREA>-<NNN>`. */
  code: string;
  /** The catalog item this failure fails. */
  item: ItemId;
  severity: SignatureSeverity;
  /** A few words, for tables. */
  title: string;
  /**
   * Shapes of one line (or a line joined with its `caused by:` / `status code:` continuation)
   * that show this failure; the first that matches wins. Named groups become template values.
   */
  patterns?: readonly RegExp[];
  /** Literal strings of which a line must contain one before the patterns run (a cheap pre-filter; each pattern must require one of them). */
  needles?: readonly string[];
  /** Phases of an object that show this failure (the latest observation of each object counts). */
  phases?: { kind: ObjectKind; phases: readonly string[] };
  /** The line must also show one of these (e.g. that the failing request went to the object store). */
  requires?: readonly RegExp[];
  /** A line that also shows one of these is not this failure. */
  unless?: readonly RegExp[];
  /** Only in this program's log (known from a start-up line or the file name). */
  component?: Component;
  /** Codes that, on the same line, say the same thing more precisely. */
  supersededBy?: readonly string[];
  /** A catch-all for the item: dropped when a more precise signature of the same item matched anywhere. */
  fallback?: boolean;
  /** Template values that make two matches separate findings (default: one finding per code). */
  distinctBy?: readonly string[];
  /** One sentence; `{name}` or `{name|default}` are filled from the match. */
  cause: string;
  /** What to do; same templating. */
  fix: string;
}

/** Text that looks like trouble and is not (docs/velero-facts.md, "Failure signatures: not failures"). A line matching one never matches a signature. */
export interface NonFailure {
  id: string;
  pattern: RegExp;
  why: string;
}

// An object-store request marker: the failing call went to S3 (AWS SDK v1 or v2) or to the BSL.
const OBJECT_STORE = /RequestError|send request failed|operation error S3|api error|list-type=2|[Bb]ackup store|BackupStorageLocation|[Bb]ackup storage location|backup-storage-location|X-Amz-|ListObjects|HeadBucket|GetObject|PutObject/;
// The repository layer (Kopia / restic), whose storage errors are not the BSL's.
const REPOSITORY_LAYER = /restic (init|snapshots|backup)|repository is not ready|BackupRepository|backup repo|repo with storage|kopia/i;

// A request to the Kubernetes API (its timeouts are not the object store's).
const KUBERNETES_API = /\/apis?\/[\w.]*\/?v\d|:6443\b|kubernetes\.default/;

// What a failing pod's STATUS cell holds (`kubectl get pods`).
const POD_STATUS_NEEDLES = ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'OOMKilled', 'ContainerConfigError', ' Error ', 'Init:Error'];

const LOCATION = String.raw`(?:location|BackupStorageLocation|Backup storage location|backup storage location) \\?"(?<location>[^"\\]{1,253})\\?"`;

export const SIGNATURES: readonly Signature[] = [
  // ---------------------------------------------------------------- BackupStorageLocation
  {
    code: 'VV-BSL-000',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'BSL unavailable (cause not shown)',
    needles: ['is unavailable', 'locations are invalid', 'is invalid:', 'Unavailable backup storage locations detected', 'Unavailable BackupStorageLocations detected', 'BackupStorageLocations available/unavailable', 'backup storage locations available/unavailable', 'Error getting a backup store', 'rror getting backup store', 'rror listing backups', 'cannot gc backup', 'cannot retrieve the backup', 'cannot get the backup info', 'is in Unavailable status'],
    patterns: [
      new RegExp(LOCATION + String.raw` is unavailable`),
      /some backup storage locations are invalid/,
      new RegExp(String.raw`backup store for location \\?"(?<location>[^"\\]{1,253})\\?" is invalid`),
      /(?:Unavailable backup storage locations|Unavailable BackupStorageLocations) detected: available\/unavailable\/unknown: \d+\/[1-9]\d*\//,
      /Current (?:BackupStorageLocations|backup storage locations) available\/unavailable\/unknown: \d+\/[1-9]\d*\//,
      /[Ee]rror getting (?:a )?backup store(?: for location \\?"(?<location>[^"\\]{1,253})\\?")?/,
      /"error listing backups"|msg="[Ee]rror listing backups/,
      /[Bb]ackup can't be created because BackupStorageLocation (?<location>\S{1,253}) is in Unavailable status/,
      /(?:The BSL|bsl|BSL) (?<location>\S{1,253}) is unavailable, cannot (?:retrieve the backup|get the backup info|gc backup)/,
    ],
    phases: { kind: 'BackupStorageLocation', phases: ['Unavailable'] },
    fallback: true,
    cause: 'The backup storage location {location|} is Unavailable: Velero cannot list the bucket; the text shown does not say why.',
    fix: 'Read the BSL\'s status.message (`kubectl -n velero get bsl -o yaml`) or the server log line "BackupStorageLocation … is unavailable: …" for the reason, then re-check with `velero backup-location get`.',
  },
  {
    code: 'VV-BSL-001',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'credentials rejected',
    needles: ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidClientTokenId'],
    patterns: [
      /\b(?:api error )?(?<code>InvalidAccessKeyId|SignatureDoesNotMatch|InvalidClientTokenId)\b/,
    ],
    cause: 'The object store rejected the access key ({code}): the key id or the secret key in the credentials Velero uses is wrong, expired or for another account.',
    fix: 'Put the bucket\'s access key pair in the credentials Secret (key `cloud`, AWS credentials-file format: `[default]` with `aws_access_key_id` and `aws_secret_access_key`), restart the velero Deployment, and check `velero backup-location get` shows Available.',
  },
  {
    code: 'VV-BSL-002',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'access denied',
    needles: ['AccessDenied', 'status code: 403', 'StatusCode: 403'],
    patterns: [
      /\b(?:api error )?(?<code>AccessDenied)\b/,
      /\bStatusCode: 403\b.{0,300}?api error (?<code>\w{1,60})/,
      /\bstatus code: 403\b|\bStatusCode: 403\b/,
    ],
    requires: [OBJECT_STORE, /AccessDenied/],
    supersededBy: ['VV-BSL-001'],
    cause: 'The object store refused the request with 403 ({code|AccessDenied}): the key is not allowed to use the bucket (bucket or IAM policy, a disabled bucket), or the key pair does not belong together.',
    fix: 'Allow the key s3:ListBucket on the bucket and s3:GetObject, s3:PutObject, s3:DeleteObject on its objects (on MinIO: a policy attached to the user), and check the Secret\'s key pair.',
  },
  {
    code: 'VV-BSL-003',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'credentials missing',
    needles: ['NoCredentialProviders', 'unable to get credentials', 'unable to get key for secret', 'is missing data for key', 'credentials/cloud: no such file', 'failed to refresh cached credentials', 'no EC2 IMDS role found'],
    patterns: [
      // The most precise shape first: it names the Secret and key.
      /\\?"(?<secret>[^"\\]{1,253})\\?" secret is missing data for key \\?"(?<key>[^"\\]{1,253})\\?"/,
      /NoCredentialProviders: no valid providers in chain/,
      /unable to get credentials/,
      /unable to get key for secret/,
      /open (?<file>\S{0,200}credentials\/cloud): no such file or directory/,
      /failed to refresh cached credentials|no EC2 IMDS role found/,
    ],
    cause: 'Velero found no usable credentials for the object store: the credentials Secret {secret|} (key {key|cloud}) is missing, lacks that key, or is not mounted.',
    fix: 'Create the Secret Velero is configured with (chart: `credentials.existingSecret`, key `cloud`) holding an AWS credentials file, or point the BSL\'s `spec.credential` at the right Secret and key; then restart the velero Deployment.',
  },
  {
    code: 'VV-BSL-004',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'wrong region',
    needles: ['BucketRegionError', 'PermanentRedirect', 'AuthorizationHeaderMalformed'],
    patterns: [
      /BucketRegionError: incorrect region, the bucket is not in '(?<region>[^']{1,64})' region/,
      /BucketRegionError/,
      /\b(?:api error )?PermanentRedirect\b/,
      /AuthorizationHeaderMalformed: .{0,200}?the region '(?<region>[^']{1,64})' is wrong; expecting '(?<expected>[^']{1,64})'/,
    ],
    unless: [REPOSITORY_LAYER],
    cause: 'The BSL\'s region {region|} does not match the bucket\'s region {expected|}, so the object store redirects or refuses the request.',
    fix: 'Set `spec.config.region` of the BackupStorageLocation to the bucket\'s region (for MinIO: the region MinIO is configured with, often `minio` or `us-east-1`) and keep `s3ForcePathStyle: "true"` with an `s3Url`.',
  },
  {
    code: 'VV-BSL-005',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'endpoint unreachable',
    needles: ['i/o timeout', 'no such host', 'connection refused', 'network is unreachable', 'no route to host'],
    patterns: [
      /dial tcp (?<endpoint>[^\s:]{1,253}:\d{1,5}): (?<error>i\/o timeout|connect: connection refused|connect: no route to host|connect: network is unreachable)/,
      /dial tcp: lookup (?<endpoint>[^\s]{1,253})(?: on [^\s]{1,80})?: no such host/,
      /(?<error>i\/o timeout|no such host|connection refused)/,
    ],
    requires: [OBJECT_STORE],
    unless: [REPOSITORY_LAYER, KUBERNETES_API],
    cause: 'Velero cannot reach the object-store endpoint {endpoint|} ({error|network error}): wrong s3Url, DNS name or port, or a firewall between the cluster and the bucket.',
    fix: 'Check `spec.config.s3Url` of the BackupStorageLocation (scheme, host, port), that the name resolves inside the cluster, and that pods in the velero namespace can connect to it (the velero image has no shell: test from a throw-away pod, e.g. `kubectl -n velero run s3check --rm -it --restart=Never --image=curlimages/curl -- curl -sv <s3Url>`).',
  },
  {
    code: 'VV-BSL-006',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'TLS not trusted',
    needles: ['x509: certificate', 'tls: failed to verify'],
    patterns: [
      /x509: (?<error>certificate signed by unknown authority|certificate is valid for [^,;"]{1,200}|certificate has expired or is not yet valid|certificate is not valid for any names)/,
      /tls: failed to verify certificate/,
    ],
    requires: [OBJECT_STORE],
    unless: [REPOSITORY_LAYER, KUBERNETES_API],
    cause: 'Velero does not trust the object store\'s TLS certificate ({error|x509}).',
    fix: 'Give the BackupStorageLocation the CA bundle (`spec.objectStorage.caCert`, base64 PEM; chart: `configuration.backupStorageLocation[].caCert`) or use a certificate for the s3Url host signed by a public CA; `insecureSkipTLSVerify: "true"` only for a test.',
  },
  {
    code: 'VV-BSL-007',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'object-store plugin missing',
    needles: ['unable to locate'],
    patterns: [/unable to locate (?<kind>ObjectStore) plugin named (?<plugin>[\w./-]{1,200})/],
    cause: 'No installed plugin provides the ObjectStore "{plugin}" the BSL names as its provider.',
    fix: 'Add the plugin as an init container of the velero Deployment (for `aws`: `velero/velero-plugin-for-aws` at the version paired with your Velero; chart: `initContainers`), or fix the BSL\'s `spec.provider`.',
  },
  {
    code: 'VV-BSL-008',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'invalid BSL config keys',
    needles: ['config has invalid keys'],
    patterns: [/config has invalid keys \[(?<keys>[^\]]{0,400})\]; valid keys are \[(?<valid>[^\]]{0,600})\]/],
    cause: 'The BSL\'s spec.config has keys [{keys}] the provider\'s plugin does not accept.',
    fix: 'Remove [{keys}] from the BackupStorageLocation\'s `spec.config` (chart: `configuration.backupStorageLocation[].config`); this plugin accepts [{valid}].',
  },
  {
    code: 'VV-BSL-009',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'foreign data in the bucket',
    needles: ['invalid top-level directories'],
    patterns: [/Backup store contains (?:\d+ )?invalid top-level directories: \[(?<dirs>[^\]]{0,400})\]/],
    cause: 'The bucket (or prefix) holds top-level directories Velero did not write ([{dirs}]); Velero refuses a backup store it does not own.',
    fix: 'Give Velero a bucket of its own or a `prefix` (`spec.objectStorage.prefix`) that nothing else writes to; do not delete the foreign data to make the error go away.',
  },
  {
    code: 'VV-BSL-010',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'bucket not found',
    needles: ['NoSuchBucket', 'NoSuchKey'],
    patterns: [/\b(?:api error )?(?<code>NoSuchBucket|NoSuchKey)\b/],
    requires: [/[Bb]ackup store|BackupStorageLocation|[Bb]ackup storage location|backup-storage-location|NoSuchBucket/],
    unless: [REPOSITORY_LAYER],
    cause: 'The object store answered {code} (404) when Velero listed the backup store: the bucket named in the BSL does not exist at that endpoint.',
    fix: 'Create the bucket (`mc mb` / the provider console) or correct `spec.objectStorage.bucket` and `spec.config.s3Url`/`region` of the BackupStorageLocation.',
  },
  {
    code: 'VV-BSL-011',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'BSL rejected by the API server',
    needles: ['is invalid: '],
    patterns: [/BackupStorageLocation(?:\.velero\.io)? "(?<location>[^"]{1,253})" is invalid: (?<detail>.{1,400})/],
    cause: 'The Kubernetes API rejected the BackupStorageLocation "{location}": {detail}.',
    fix: 'Give the BSL the required fields (`spec.provider`, `spec.objectStorage.bucket`); with the Helm chart, `configuration.backupStorageLocation` is a list whose entries carry `provider` and `bucket`.',
  },
  {
    code: 'VV-BSL-012',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'no BSL',
    needles: ['o backup storage locations found', 'no existing BackupStorageLocation set as default', "wasn't found"],
    patterns: [
      /[Nn]o backup storage locations found/,
      /There is no existing BackupStorageLocation set as default/,
      /the default '?(?<location>[^' ]{1,253})'? wasn't found/,
    ],
    cause: 'Velero has no (default) BackupStorageLocation, so backups have nowhere to go.',
    fix: 'Create a BackupStorageLocation and mark it default (`velero backup-location create … --default`, or `default: true` in the chart\'s `configuration.backupStorageLocation`).',
  },
  {
    code: 'VV-BSL-013',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'BSL read-only',
    needles: ['read-only mode'],
    patterns: [/backup storage location (?<location>\S{1,253}) is currently in read-only mode/],
    cause: 'The backup storage location {location} has accessMode ReadOnly: backups, deletions and garbage collection are refused.',
    fix: 'Set `spec.accessMode: ReadWrite` on the BackupStorageLocation once restores from it are done (`velero backup-location set {location} --access-mode ReadWrite`).',
  },
  {
    code: 'VV-BSL-014',
    item: 'dod.bsl-available',
    severity: 'error',
    title: 'BSL never validated',
    phases: { kind: 'BackupStorageLocation', phases: ['Unknown', ''] },
    needles: ['available/unavailable/unknown: '],
    patterns: [/(?:BackupStorageLocations?|backup storage locations) (?:available\/unavailable\/unknown|detected: available\/unavailable\/unknown): \d+\/0\/[1-9]\d*\b/],
    cause: 'The backup storage location {name|} has no phase (Unknown): it was never validated, so it is not Available.',
    fix: 'Check that the velero server is running and its log has no BSL errors; a location is validated within a minute of creation (`velero backup-location get` then shows Available or Unavailable with a reason).',
  },

  // ---------------------------------------------------------------- Backups
  {
    code: 'VV-BKP-001',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup Failed',
    phases: { kind: 'Backup', phases: ['Failed'] },
    cause: 'The backup {name|} ended Failed: Velero stopped before writing a complete backup (usually the BSL, a crash or a rejected request; Errors may still count 0).',
    fix: 'Read `velero backup logs {name|<backup>}` and `status.failureReason` (`kubectl -n velero get backup {name|<backup>} -o yaml`); fix that, then run a new backup.',
  },
  {
    code: 'VV-BKP-002',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup PartiallyFailed',
    phases: { kind: 'Backup', phases: ['PartiallyFailed', 'WaitingForPluginOperationsPartiallyFailed', 'FinalizingPartiallyFailed'] },
    cause: 'The backup {name|} ended {phase|PartiallyFailed}: some items or volumes were not backed up (items backed up equal to the total does not mean the volumes are in it).',
    fix: 'List the errors with `velero backup describe {name|<backup>} --details` and `velero backup logs {name|<backup>} | grep -E "level=error"`; fix each, then run a new backup.',
  },
  {
    code: 'VV-BKP-003',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup FailedValidation',
    phases: { kind: 'Backup', phases: ['FailedValidation'] },
    cause: 'The backup {name|} was refused before it started (FailedValidation): its spec names something that does not exist or is not allowed.',
    fix: 'Read `Validation errors` in `velero backup describe {name|<backup>}` (e.g. an unknown or Unavailable storage location) and create the backup again with a valid spec.',
  },
  {
    code: 'VV-BKP-004',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup stuck New',
    phases: { kind: 'Backup', phases: ['New'] },
    cause: 'The backup {name|} is still New: no velero server picked it up (the server is not running, or watches another namespace).',
    fix: 'Check `kubectl -n velero get deploy/velero` and its log; the Backup must be in the namespace the server runs in.',
  },
  {
    code: 'VV-BKP-005',
    item: 'dod.manual-backup',
    severity: 'warning',
    title: 'backup not finished',
    phases: { kind: 'Backup', phases: ['InProgress', 'WaitingForPluginOperations', 'Finalizing'] },
    cause: 'The backup {name|} is {phase|InProgress}, not Completed: it is still running or stuck (typically waiting for PodVolumeBackups or plugin operations).',
    fix: 'Watch it with `velero backup describe {name|<backup>} --details`; if it does not move, look at the PodVolumeBackups (`kubectl -n velero get podvolumebackups -l velero.io/backup-name={name|<backup>}`) and the node-agent logs. A server restart marks it Failed.',
  },
  {
    code: 'VV-BKP-006',
    item: 'dod.manual-backup',
    severity: 'warning',
    title: 'backup queued',
    phases: { kind: 'Backup', phases: ['Queued', 'ReadyToStart'] },
    cause: 'The backup {name|} is {phase|Queued} (Velero 1.18+): it waits for a free backup worker and has not started.',
    fix: 'Wait for the backups ahead of it (QUEUE POSITION in `velero backup get`), or raise the server\'s concurrent-backup limit; if the queue never moves, a backup ahead of it is stuck InProgress.',
  },
  {
    code: 'VV-BKP-007',
    item: 'dod.manual-backup',
    severity: 'error',
    title: 'backup failed by a server restart',
    needles: ['during the server starting'],
    patterns: [/found a backup with status \\?"(?<phase>\w{1,40})\\?" during the server starting, mark it as \\?"Failed\\?"/],
    cause: 'The velero server restarted while the backup was {phase|InProgress}, and a restarted server marks such backups Failed.',
    fix: 'Find why the server restarted (OOMKilled? `kubectl -n velero describe pod -l deploy=velero`, raise its memory limit), then run the backup again.',
  },

  // ---------------------------------------------------------------- File-system backup (PodVolumeBackups)
  {
    code: 'VV-PVB-001',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'pod volume backup failed',
    needles: ['pod volume backup failed', 'Failed to run data path service for PVB', 'timed out waiting for all PodVolumeBackups'],
    patterns: [
      /pod volume backup failed: (?<reason>(?:[^"\\]|\\.){1,300})/,
      /Failed to run data path service for PVB (?<pvb>\S{1,253})/,
      /timed out waiting for all PodVolumeBackups to complete/,
    ],
    phases: { kind: 'PodVolumeBackup', phases: ['Failed'] },
    supersededBy: ['VV-PVB-002'],
    cause: 'A PodVolumeBackup {name|} failed, so that volume\'s data is not in the backup (reason: {reason|not shown}).',
    fix: 'Read the PodVolumeBackup\'s status.message (`kubectl -n velero get podvolumebackups -o yaml`) and the node-agent log on that pod\'s node; the real error (permissions, repository, disk) is there.',
  },
  {
    code: 'VV-PVB-002',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'pod volume backup canceled',
    needles: ['canceled', 'mark it as cancel'],
    patterns: [
      /pod volume backup canceled/,
      /PVB is canceled/,
      /data path backup canceled/,
      /found a PVB (?<pvb>\S{1,253}) with expose error: .{0,300}mark it as cancel/,
      /PVB is in status \\?"(?<phase>\w{1,40})\\?" during the velero server starting, mark it as cancel/,
    ],
    phases: { kind: 'PodVolumeBackup', phases: ['Canceled'] },
    cause: 'A PodVolumeBackup was canceled (node-agent restart, server restart, expose timeout or the backup being deleted), so that volume\'s data is not in the backup.',
    fix: 'Look in the node-agent log of the pod\'s node at the time of the cancel for the error that preceded it (e.g. permission denied, OOMKilled), fix it and back up again.',
  },
  {
    code: 'VV-PVB-003',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'volume not backed up: repository not ready',
    needles: ['repository is not ready', 'failed to wait BackupRepository'],
    patterns: [/(?:Error backing up item|pod volume backup).{0,400}?(?:backup repository is not ready|restic repository is not ready|failed to wait BackupRepository)/],
    cause: 'The pod\'s volumes were not backed up because the backup repository for its namespace was not ready.',
    fix: 'Fix the repository first (see the repository finding), then run the backup again.',
  },
  {
    code: 'VV-PVB-004',
    item: 'beyond.volume-coverage',
    severity: 'warning',
    title: 'volume skipped',
    needles: ['skipping'],
    patterns: [
      /[Vv]olume (?<volume>\S{1,253}) in pod (?<pod>\S{1,253}) is a hostPath volume which is not supported for pod volume backup, skipping/,
      /volume (?<volume>\S{1,253}) is declared in pod (?<pod>\S{1,253}) but not mounted by any container, skipping/,
      /volume (?<volume>\S{1,253}) declared in pod (?<pod>\S{1,253}) is a block volume\. Block volumes are not supported for fs backup, skipping/,
    ],
    distinctBy: ['volume', 'pod'],
    cause: 'Volume {volume} of pod {pod} was skipped by the file-system backup (hostPath, block or unmounted volume): its data is not in the backup although the backup may show Completed.',
    fix: 'Put data that must be backed up on a PersistentVolume the node agent can read (not hostPath/local-path; e.g. a CSI volume), or back it up with CSI snapshots; unmounted volumes need a container that mounts them.',
  },
  {
    code: 'VV-PVB-005',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'pod not on a node',
    needles: ['node name is empty'],
    patterns: [/(?:Error backing up item|pod volume backup).{0,300}?node name is empty/],
    cause: 'A pod with volumes to back up was not scheduled on a node (Pending), so the node agent could not back up its volumes.',
    fix: 'Make the pod run (`kubectl describe pod` shows why it is Pending) or exclude it from the backup; file-system backup reads volumes through a running pod.',
  },

  {
    code: 'VV-PVB-006',
    item: 'beyond.volume-coverage',
    severity: 'error',
    title: 'data mover upload failed',
    needles: ['service for DataUpload', 'found a du ', 'Dataupload is in status'],
    patterns: [
      /Failed to run data path service for DataUpload (?<du>\S{1,253})/,
      /found a du (?<du>\S{1,253}) with expose error: .{0,300}mark it as cancel/,
      /Dataupload is in status \\?"(?<phase>\w{1,40})\\?" during the velero server starting, mark it as cancel/,
    ],
    cause: 'A data mover upload (DataUpload {du|}) failed or was canceled, so that volume\'s snapshot data is not in the backup.',
    fix: 'Read the DataUpload\'s status.message (`kubectl -n velero get datauploads -o yaml`) and the node-agent log of the node that ran it; check the snapshot class and that the node agent runs on that node.',
  },

  // ---------------------------------------------------------------- Node agent
  {
    code: 'VV-NA-001',
    item: 'must.fsb-kopia',
    severity: 'error',
    title: 'node agent not deployed',
    needles: ['node agent not found', 'restic daemonset not found'],
    patterns: [
      // 1.15+ names the OS; 1.10–1.14 print `Velero node agent not found; …`; before 1.10 the DaemonSet was restic's.
      /Velero node agent not found(?: for (?<os>linux|Windows) nodes)?;/,
      /Velero restic daemonset not found;/,
    ],
    cause: 'The node-agent DaemonSet does not exist (for {os|linux} nodes), so pod volume backups and restores cannot run.',
    fix: 'Deploy the node agent (`velero install --use-node-agent`; chart: `deployNodeAgent: true`).',
  },
  {
    code: 'VV-NA-002',
    item: 'must.fsb-kopia',
    severity: 'error',
    title: 'node agent missing on a node',
    needles: ['not found in running state in node', 'is not running in node'],
    patterns: [
      /daemonset pod not found in running state in node (?<node>[\w.:-]{1,253})/,
      /node-agent (?:pod )?is not running in node (?<node>[\w.:-]{1,253})/,
    ],
    distinctBy: ['node'],
    cause: 'No running node-agent pod on node {node|}, so volumes of pods on that node cannot be backed up or restored.',
    fix: 'Check `kubectl -n velero get pods -l name=node-agent -o wide`: give the DaemonSet tolerations/nodeSelector for that node (chart: `nodeAgent.tolerations`) and fix the pod if it is not Running.',
  },
  {
    code: 'VV-NA-003',
    item: 'must.fsb-kopia',
    severity: 'error',
    title: 'node agent lacks RBAC',
    needles: ['is forbidden'],
    patterns: [/(?<resource>[\w.]{1,100}) is forbidden: User "(?<user>[^"]{1,253})" cannot (?<verb>\w{1,20}) resource/],
    component: 'node-agent',
    cause: 'The node agent runs as {user}, which may not {verb} {resource}; it exits at start.',
    fix: 'Run the node agent with the service account Velero installs (bound to the velero ClusterRole), in the namespace the role binding names.',
  },
  {
    code: 'VV-NA-004',
    item: 'must.fsb-kopia',
    severity: 'error',
    title: 'node-agent pod not running',
    // Row shapes, never log lines: the needles are the failing statuses (names like velero- are in every log line).
    needles: POD_STATUS_NEEDLES,
    patterns: [/^\s*(?:[a-z0-9][a-z0-9-]{0,62}\s+)?(?:pod\/)?(?<pod>(?:node-agent|restic)-[a-z0-9]{3,10})\s+\d+\/\d+\s+(?<status>CrashLoopBackOff|Error|ImagePullBackOff|ErrImagePull|OOMKilled|CreateContainerConfigError|Init:(?:CrashLoopBackOff|Error|ImagePullBackOff|ErrImagePull|OOMKilled))\s/],
    distinctBy: ['pod'],
    cause: 'The node-agent pod {pod} is {status}, so file-system backups on its node fail.',
    fix: 'Read `kubectl -n velero describe pod {pod}` and `kubectl -n velero logs {pod} --previous` for the reason.',
  },
  {
    code: 'VV-NA-005',
    item: 'beyond.node-agent-admitted',
    severity: 'error',
    title: 'node-agent pods refused by Pod Security admission',
    // The DaemonSet controller's FailedCreate event (kubectl describe ds / get events); docs/velero-facts.md, "Pod Security admission and the node agent".
    needles: ['violates PodSecurity'],
    patterns: [/pods "(?<pod>(?:node-agent|restic)-[a-z0-9]{3,10})" is forbidden: violates PodSecurity "(?<level>[a-z]+):[^"]*": (?<what>.+?)\s*$/],
    distinctBy: ['pod'],
    cause: 'Pod Security admission refuses the node agent\'s pod {pod}: the namespace enforces {level}, which forbids {what}.',
    fix: 'Label the Velero namespace privileged: `namespace.labels: {pod-security.kubernetes.io/enforce: privileged}` in the Helm values, or `kubectl label namespace velero pod-security.kubernetes.io/enforce=privileged --overwrite`.',
  },

  // ---------------------------------------------------------------- Velero server pod
  {
    code: 'VV-POD-001',
    item: 'dod.pods-running',
    severity: 'error',
    title: 'velero pod not running',
    needles: POD_STATUS_NEEDLES,
    patterns: [/^\s*(?:[a-z0-9][a-z0-9-]{0,62}\s+)?(?:pod\/)?(?<pod>velero-[a-z0-9]{1,20}(?:-[a-z0-9]{1,20}){1,3})\s+\d+\/\d+\s+(?<status>CrashLoopBackOff|Error|ImagePullBackOff|ErrImagePull|OOMKilled|CreateContainerConfigError|Init:(?:CrashLoopBackOff|Error|ImagePullBackOff|ErrImagePull|OOMKilled))\s/],
    unless: [/maintain-job/],
    distinctBy: ['pod'],
    cause: 'The velero server pod {pod} is {status}: the server is not running, so nothing is backed up.',
    fix: 'Read `kubectl -n velero logs {pod} --previous` (and `-c <plugin init container>` for Init: states): usually an invalid BSL at start-up, a missing plugin image or RBAC.',
  },
  {
    code: 'VV-POD-002',
    item: 'dod.pods-running',
    severity: 'error',
    title: 'velero server lacks RBAC',
    needles: ['is forbidden'],
    patterns: [/(?<resource>[\w.]{1,100}) is forbidden: User "(?<user>[^"]{1,253})" cannot (?<verb>\w{1,20}) resource/],
    component: 'server',
    cause: 'The velero server runs as {user}, which may not {verb} {resource}.',
    fix: 'Run the server with the service account Velero installs, bound to its ClusterRole (chart: `rbac.create: true`, `serviceAccount.server.create: true`).',
  },

  // ---------------------------------------------------------------- Backup repositories (Kopia / restic)
  {
    code: 'VV-REPO-001',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository not initialised',
    needles: ['repository not initialized'],
    patterns: [/repository not initialized in the provided storage/],
    cause: 'The Kopia repository is missing from the bucket although Velero expects one (the namespace\'s data under kopia/ was deleted, e.g. by a bucket lifecycle rule, or another bucket or prefix is configured).',
    fix: 'Delete the stale BackupRepository (`kubectl -n velero delete backuprepositories <name>`) so Velero initialises a new repository on the next backup, and make sure no bucket lifecycle rule reaches `kopia/`.',
  },
  {
    code: 'VV-REPO-002',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository not ready',
    needles: ['repository is not ready', 'failed to wait BackupRepository', 'backup repository not provisioned'],
    patterns: [
      /(?:backup|restic) repository is not ready/,
      /failed to wait BackupRepository, (?<why>timeout exceeded|errored early)/,
      /backup repository not provisioned/,
    ],
    phases: { kind: 'BackupRepository', phases: ['NotReady'] },
    fallback: true,
    cause: 'The backup repository {name|} is not Ready, so file-system backups into it fail.',
    fix: 'Read the BackupRepository\'s status.message (`kubectl -n velero get backuprepositories -o yaml`) for the storage error behind it.',
  },
  {
    code: 'VV-REPO-003',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository maintenance failing',
    needles: ['running repo prune', 'designated user', 'Failed to start maintenance job', 'maintain-job'],
    patterns: [
      /An error occurred when running repo prune/,
      /maintenance must be run by designated user/,
      /Failed to start maintenance job/,
      /^\s*(?:[a-z0-9][a-z0-9-]{0,62}\s+)?(?:pod\/)?(?<pod>\S{1,200}maintain-job\S{0,60})\s+\d+\/\d+\s+(?<status>Error|OOMKilled|CrashLoopBackOff)\s/,
    ],
    cause: 'Repository maintenance (Kopia prune/compaction) fails, so deleted backups are never reclaimed and the index keeps growing.',
    fix: 'Read the maintenance Job\'s log (`kubectl -n velero logs job/<repo>-maintain-job-…`); give it enough memory (`--maintenance-job-mem-limit`, chart `configuration.repositoryMaintenanceJob`) and fix the repository error it reports.',
  },
  {
    code: 'VV-REPO-004',
    item: 'beyond.repository',
    severity: 'warning',
    title: 'too many index blobs',
    needles: ['too many index blobs'],
    patterns: [/Found too many index blobs \((?<count>\d{1,12})\)/],
    cause: 'The Kopia repository has {count} index blobs: maintenance has not been compacting it, which slows every backup and can make the node agent run out of memory.',
    fix: 'Make repository maintenance run and succeed (check the maintain-job logs and memory limit; Velero runs it every `--default-repo-maintain-frequency`).',
  },
  {
    code: 'VV-REPO-005',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository storage TLS not trusted',
    needles: ['x509: certificate'],
    patterns: [/x509: (?<error>certificate signed by unknown authority|certificate is valid for [^,;"]{1,200}|certificate has expired or is not yet valid)/],
    requires: [REPOSITORY_LAYER],
    cause: 'The repository layer (Kopia/restic) does not trust the object store\'s TLS certificate ({error}), although the BSL itself may work.',
    fix: 'Set the BSL\'s `spec.objectStorage.caCert`: Velero passes it to the repository; with restic before Velero 1.10, also mount the CA into the node-agent/restic pods.',
  },
  {
    code: 'VV-REPO-006',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository cannot find the bucket region',
    needles: ['region via bucket', "determine bucket's region"],
    patterns: [
      /failed to detect the region via bucket(?:: (?<bucket>[\w.-]{1,63}))?/,
      /unable to determine bucket's region/,
    ],
    cause: 'The repository layer could not detect the region of the bucket {bucket|} (S3-compatible stores often do not answer the region call).',
    fix: 'Set `spec.config.region` of the BackupStorageLocation explicitly (for MinIO, the region MinIO uses, e.g. `minio` or `us-east-1`).',
  },
  {
    code: 'VV-REPO-007',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository on a read-only BSL',
    needles: ['read-only backup storage location'],
    patterns: [/cannot create new backup repo for read-only backup storage location (?<location>\S{1,253})/],
    cause: 'A new backup repository cannot be created because the backup storage location {location} is ReadOnly.',
    fix: 'Set the BSL\'s `spec.accessMode` to ReadWrite for backups.',
  },
  {
    code: 'VV-REPO-008',
    item: 'beyond.repository',
    severity: 'error',
    title: 'repository password wrong',
    needles: ['invalid repository password'],
    patterns: [/invalid repository password/],
    cause: 'The repository cannot be opened with the password Velero holds (the velero-repo-credentials Secret changed after the repository was created).',
    fix: 'Restore the original `repository-password` in the velero-repo-credentials Secret; a repository created with another password cannot be read with a new one.',
  },

  // ---------------------------------------------------------------- Restores
  {
    code: 'VV-RST-001',
    item: 'beyond.restore',
    severity: 'error',
    title: 'restore Failed',
    needles: ['found a restore with status'],
    patterns: [/found a restore with status \\?"(?<phase>\w{1,40})\\?" during the server starting, mark it as \\?"Failed\\?"/],
    phases: { kind: 'Restore', phases: ['Failed'] },
    cause: 'The restore {name|} ended Failed (a restore that was {phase|running} when the velero server restarted is marked Failed).',
    fix: 'Read `velero restore logs {name|<restore>}` and the restore\'s status.failureReason; fix that and restore again into a new namespace.',
  },
  {
    code: 'VV-RST-002',
    item: 'beyond.restore',
    severity: 'error',
    title: 'restore PartiallyFailed',
    phases: { kind: 'Restore', phases: ['PartiallyFailed', 'WaitingForPluginOperationsPartiallyFailed', 'FinalizingPartiallyFailed'] },
    cause: 'The restore {name|} ended {phase|PartiallyFailed}: some items or volume data were not restored (items restored equal to the total does not cover volume data).',
    fix: 'Read the errors with `velero restore describe {name|<restore>} --details` and `velero restore logs {name|<restore>}`; check the PodVolumeRestores.',
  },
  {
    code: 'VV-RST-003',
    item: 'beyond.restore',
    severity: 'error',
    title: 'restore FailedValidation',
    needles: ['No completed backups found for schedule'],
    patterns: [/No completed backups found for schedule/],
    phases: { kind: 'Restore', phases: ['FailedValidation'] },
    cause: 'The restore {name|} was refused before it started (FailedValidation), e.g. its backup or schedule has no completed backup or its BSL is unavailable.',
    fix: 'Read `Validation errors` in `velero restore describe {name|<restore>}`, then restore from a Completed backup.',
  },
  {
    code: 'VV-RST-004',
    item: 'beyond.restore',
    severity: 'warning',
    title: 'restore not finished',
    phases: { kind: 'Restore', phases: ['New', 'InProgress', 'WaitingForPluginOperations', 'Finalizing'] },
    cause: 'The restore {name|} is {phase|InProgress}, not Completed (New means no server picked it up).',
    fix: 'Watch `velero restore describe {name|<restore>} --details`; if PodVolumeRestores stay New, the restored pod is not running (its restore-helper init container must start).',
  },
  {
    code: 'VV-RST-005',
    item: 'beyond.restore',
    severity: 'error',
    title: 'pod volume restore failed',
    needles: ['pod volume restore failed', 'timed out waiting for all PodVolumeRestores', 'restores of pod\'s volumes', 'Failed to run data path service for PVR', 'service for DataDownload', 'found a datadownload'],
    patterns: [
      /pod volume restore failed: (?<reason>(?:[^"\\]|\\.){1,300})/,
      /timed out waiting for all PodVolumeRestores to complete/,
      /unable to successfully complete (?:restic|pod volume) restores of pod's volumes/,
      /Failed to run data path service for PVR (?<pvr>\S{1,253})/,
      /Failed to run data path service for DataDownload (?<dd>\S{1,253})/,
      /found a datadownload (?<dd>\S{1,253}) with expose error: .{0,300}mark it as cancel/,
    ],
    phases: { kind: 'PodVolumeRestore', phases: ['Failed', 'Canceled'] },
    cause: 'A PodVolumeRestore or data mover download {name|} failed or timed out, so volume data was not restored.',
    fix: 'Check that the restored pods started (the restore-helper init container waits for the data), the node agent runs on their nodes, and read the PodVolumeRestore status.message.',
  },
  {
    code: 'VV-RST-006',
    item: 'beyond.restore',
    severity: 'warning',
    title: 'pod volume restores stuck New',
    phases: { kind: 'PodVolumeRestore', phases: ['New'] },
    cause: 'PodVolumeRestores {name|} are still New: the restored pod is not running on a node with a node agent, so no data was written.',
    fix: 'Check the restored pods (`kubectl get pods -n <namespace>`): Pending pods, missing node agents or PVCs that do not bind keep their PodVolumeRestores New.',
  },

  // ---------------------------------------------------------------- Schedules
  {
    code: 'VV-SCH-001',
    item: 'must.schedule',
    severity: 'error',
    title: 'schedule FailedValidation',
    needles: ['invalid schedule: '],
    patterns: [/invalid schedule: (?<reason>[^"']{1,200})/],
    phases: { kind: 'Schedule', phases: ['FailedValidation'] },
    fallback: true,
    cause: 'The schedule {name|} is FailedValidation, so it never creates backups (reason: {reason|not shown}).',
    fix: 'Correct `spec.schedule` (five cron fields, e.g. `0 3 * * *`) and check `velero schedule get` shows Enabled.',
  },
  {
    code: 'VV-SCH-002',
    item: 'must.schedule',
    severity: 'error',
    title: 'cron with a time zone prefix',
    needles: ['Expected exactly 5 fields, found 6'],
    patterns: [/invalid schedule: Expected exactly 5 fields, found 6: (?<expr>(?:CRON_TZ|TZ)=\S{1,80} [^'"]{1,80})/],
    cause: 'The schedule "{expr}" has a CRON_TZ=/TZ= prefix, which this Velero version does not accept.',
    fix: 'Drop the prefix and write the time in the server\'s zone (UTC), or upgrade to a Velero release that accepts CRON_TZ (1.15+).',
  },
  {
    code: 'VV-SCH-003',
    item: 'must.schedule',
    severity: 'error',
    title: 'cron with a seconds field',
    needles: ['Expected exactly 5 fields, found 6'],
    patterns: [/invalid schedule: Expected exactly 5 fields, found 6: (?<expr>[\d*/,?-]{1,20}(?: [\w*/,?-]{1,20}){5})/],
    unless: [/TZ=/],
    cause: 'The schedule "{expr}" has six fields (a seconds field, Quartz/Spring style); Velero takes standard five-field cron.',
    fix: 'Remove the leading seconds field: e.g. `0 0 4 * * *` becomes `0 4 * * *`.',
  },
  {
    code: 'VV-SCH-004',
    item: 'must.schedule',
    severity: 'error',
    title: 'schedule paused',
    phases: { kind: 'Schedule', phases: ['Paused'] },
    cause: 'The schedule {name|} is paused, so it creates no backups.',
    fix: 'Resume it: `velero schedule unpause {name|<schedule>}` (or `spec.paused: false`).',
  },

  // ---------------------------------------------------------------- Deletion / garbage collection
  {
    code: 'VV-DEL-001',
    item: 'beyond.retention',
    severity: 'warning',
    title: 'backup stuck Deleting',
    phases: { kind: 'Backup', phases: ['Deleting'] },
    cause: 'The backup {name|} is Deleting: its DeleteBackupRequest has not finished (it stays so while the BSL is unavailable or read-only, or a volume snapshot or repository cannot be deleted).',
    fix: 'Read the DeleteBackupRequest\'s status.errors (`kubectl -n velero get deletebackuprequests -o yaml`) and the server log; fix the BSL or repository error it names.',
  },
  {
    code: 'VV-DEL-002',
    item: 'beyond.retention',
    severity: 'error',
    title: 'expired backups not collected',
    needles: ['cannot gc backup', 'cannot be garbage-collected'],
    patterns: [
      /bsl (?<location>\S{1,253}) is unavailable, cannot gc backup/i,
      /Backup cannot be garbage-collected because backup storage location (?<location>\S{1,253}) is currently in read-only mode/,
    ],
    cause: 'Expired backups are not deleted because the backup storage location {location} is unavailable or read-only, so backups outlive their TTL.',
    fix: 'Make the BSL Available and ReadWrite again; garbage collection then deletes the expired backups (every hour by default).',
  },
];

export const NON_FAILURES: readonly NonFailure[] = [
  {
    id: 'plugin-recv-eof',
    pattern: /received EOF, stopping recv loop/,
    why: 'A plugin process finished; Velero logs this after every plugin call (docs troubleshooting.md).',
  },
  {
    id: 'cli-download-error',
    pattern: /<error getting (?:warnings|errors|logs|restore results|backup results)?[^>]{0,20}:/,
    why: 'The velero CLI on the user\'s machine could not download the results file from the bucket (signed URL, DNS, TLS or a CRD version skew); it says nothing about the server or the backup.',
  },
  {
    id: 'logs-not-yet-available',
    pattern: /are not available until it's finished processing/,
    why: 'The CLI\'s normal answer for a backup or restore that is still running.',
  },
  {
    id: 'restore-already-exists',
    pattern: /could not restore, .{1,300} already exists\. Warning: the in-cluster version is different than the backed-up version/,
    why: 'A restore warning: the object exists in the cluster and is kept; not a failure.',
  },
  {
    id: 'validation-errors-none',
    pattern: /Validation errors:\s+<none>/,
    why: 'No validation errors.',
  },
];

const BY_CODE = new Map(SIGNATURES.map((signature) => [signature.code, signature]));

/** The registry entry for a code (throws on an unknown code: codes are program constants). */
export function signatureFor(code: string): Signature {
  const signature = BY_CODE.get(code);
  if (!signature) throw new Error(`Unknown failure signature code "${code}"`);
  return signature;
}

/**
 * The signature a phase shows, for facts read into typed state (a `velero backup get` row, a
 * Backup's YAML): e.g. `phaseSignature('Backup', 'PartiallyFailed')` is VV-BKP-002. Undefined for
 * a phase that is not a failure (Completed, Available, Enabled, Ready, …).
 */
export function phaseSignature(kind: ObjectKind, phase: string): Signature | undefined {
  for (const signature of SIGNATURES) {
    if (signature.phases?.kind === kind && signature.phases.phases.includes(phase)) return signature;
  }
  return undefined;
}
