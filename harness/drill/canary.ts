/**
 * The canary workload and the Velero objects of the drill, as plain manifests, plus the
 * deterministic data and the log lines the pods print. Follows Velero's own data-integrity test
 * (docs/velero-facts.md §10, kibishii): deterministic data + checksum, change the source after the backup,
 * restore into a mapped namespace, verify checksum and the absence of the post-backup change.
 *
 * Everything created carries `app.kubernetes.io/managed-by=velero-verify` and the run id label
 * (docs/architecture.md §5): cleanup deletes only such objects.
 */
import { createHash } from 'node:crypto';
import type { BackupPlan } from '../plan.ts';
import type { KubeObject } from '../state.ts';
import { AuditInputError } from '../errors.ts';
import { parseGoDuration } from '../duration.ts';

/** A drill deadline of the plan, in ms. */
export function drillTimeout(plan: BackupPlan, key: keyof BackupPlan['drill']['timeouts']): number {
  return parseGoDuration(plan.drill.timeouts[key]) ?? 60_000;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'velero-verify';
export const RUN_ID_LABEL = 'velero-verify/run-id';
const ROLE_LABEL = 'velero-verify/role';
/** Selects everything any velero-verify run created. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

const DATA_DIR = '/data';
const DATA_FILE = 'canary.bin';
const MARKER_FILE = 'marker-after-backup';
export const PVC_NAME = 'canary-data';
export const VOLUME_NAME = 'data';
export const POD_NAMES = { writer: 'canary-writer', marker: 'canary-marker', verifier: 'canary-verifier' } as const;
export type PodRole = keyof typeof POD_NAMES;

export function runLabels(runId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId };
}

/** Whether an object carries our labels (and, with `runId`, this run's). Nothing else is ever changed or deleted. */
export function isOurs(object: KubeObject | undefined, runId?: string): boolean {
  const labels = object?.metadata.labels ?? {};
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return false;
  return runId === undefined || labels[RUN_ID_LABEL] === runId;
}

export interface DrillNames {
  runId: string;
  veleroNamespace: string;
  sourceNamespace: string;
  targetNamespace: string;
  backup: string;
  restore: string;
}

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Suffix of the stable canary namespace `<drill.namespacePrefix>-canary`. */
const CANARY_NAMESPACE_SUFFIX = 'canary';

/**
 * The drill's names. The canary SOURCE namespace is stable per plan (`<prefix>-canary`): Velero
 * keeps the BackupRepository `<ns>-<bsl>-kopia` and the Kopia repository `kopia/<ns>/` of every
 * namespace it backed up and never deletes either (docs/velero-facts.md §1, §3, §8), so a namespace per run
 * would leave one repository (with its maintenance Jobs) behind per run. Everything else is unique
 * per run: the restore target namespace, the Backup and the Restore.
 */
export function drillNames(plan: BackupPlan, runId: string): DrillNames {
  if (!LABEL_VALUE.test(runId)) {
    throw new AuditInputError(`The run id "${runId}" cannot be a Kubernetes label value (letters, digits, "-", "_", "." and at most 63 characters).`);
  }
  const prefix = plan.drill.namespacePrefix;
  const run = runId.toLowerCase();
  const sourceNamespace = `${prefix}-${CANARY_NAMESPACE_SUFFIX}`;
  // The longest of the per-run names; the Backup (`<prefix>-<run>`) and Restore (`<prefix>-<run>-restore`) are shorter.
  const targetNamespace = `${prefix}-restored-${run}`;
  for (const namespace of [sourceNamespace, targetNamespace]) {
    if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
      const fix = namespace.length > 63 ? `Use a drill.namespacePrefix of at most ${Math.max(1, 63 - '-restored-'.length - run.length)} characters.` : 'Use a run id of lower-case letters, digits and "-".';
      throw new AuditInputError(
        `drill.namespacePrefix "${prefix}" with the run id "${runId}" makes the namespace "${namespace}", which is not a valid namespace name (at most 63 lower-case letters, digits and "-"). ${fix}`,
      );
    }
  }
  return { runId, veleroNamespace: plan.namespace, sourceNamespace, targetNamespace, backup: `${prefix}-${run}`, restore: `${prefix}-${run}-restore` };
}

/** The line the writer repeats; includes the run id so two runs never write the same bytes. */
export function canaryLine(runId: string): string {
  return `velero-verify canary ${runId}`;
}

/** sha256 of `yes "<line>" | head -c <bytes>` — the data the writer pod produces — computed locally. */
export function expectedCanarySha256(runId: string, bytes: number): string {
  const unit = Buffer.from(`${canaryLine(runId)}\n`, 'utf8');
  const chunk = Buffer.concat(Array.from({ length: Math.max(1, Math.floor(65_536 / unit.length)) }, () => unit));
  const hash = createHash('sha256');
  let left = bytes;
  while (left > 0) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    hash.update(part);
    left -= part.length;
  }
  return hash.digest('hex');
}

// POSIX sh for busybox: no bashisms, no pipefail (`yes` ends by SIGPIPE).
export const WRITER_SCRIPT = [
  'set -eu',
  `f="$DATA_DIR/${DATA_FILE}"`,
  'if [ "$POD_NAMESPACE" = "$CANARY_SOURCE_NAMESPACE" ]; then',
  '  if [ ! -f "$f" ]; then',
  '    yes "$CANARY_LINE" | head -c "$CANARY_BYTES" > "$f.tmp"',
  '    mv "$f.tmp" "$f"',
  '    sync',
  '  fi',
  '  echo "velero-verify role=writer sha256=$(sha256sum "$f" | cut -d" " -f1)"',
  'else',
  // A restored copy of this pod never writes: it only reports what the restore put there.
  '  if [ -f "$f" ]; then s=$(sha256sum "$f" | cut -d" " -f1); else s=missing; fi',
  '  echo "velero-verify role=restored-copy sha256=$s"',
  'fi',
  'while true; do sleep 3600; done',
].join('\n');

export const MARKER_SCRIPT = [
  'set -eu',
  `date -u > "$DATA_DIR/${MARKER_FILE}"`,
  'sync',
  `echo "velero-verify role=marker written=${MARKER_FILE}"`,
].join('\n');

export const VERIFIER_SCRIPT = [
  'set -eu',
  `f="$DATA_DIR/${DATA_FILE}"`,
  'if [ -f "$f" ]; then s=$(sha256sum "$f" | cut -d" " -f1); n=$(wc -c < "$f" | tr -d " "); else s=missing; n=0; fi',
  `if [ -e "$DATA_DIR/${MARKER_FILE}" ]; then m=present; else m=absent; fi`,
  'echo "velero-verify role=verifier sha256=$s bytes=$n marker=$m"',
].join('\n');

const SCRIPTS: Record<PodRole, string> = { writer: WRITER_SCRIPT, marker: MARKER_SCRIPT, verifier: VERIFIER_SCRIPT };

export interface CanaryLogLine {
  role: string;
  fields: Record<string, string>;
}

/** The last `velero-verify role=<role> k=v …` line of a pod log. */
export function parseCanaryLog(log: string, role: string): CanaryLogLine | undefined {
  let found: CanaryLogLine | undefined;
  for (const line of log.split(/\r?\n/)) {
    const match = /^velero-verify role=(\S+)(.*)$/.exec(line.trim());
    if (!match || match[1] !== role) continue;
    const fields: Record<string, string> = {};
    for (const pair of match[2].trim().split(/\s+/).filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0) fields[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    found = { role: match[1], fields };
  }
  return found;
}

/**
 * Pod Security level the drill's namespaces meet (docs/velero-facts.md, "The drill and Velero's
 * controllers"): the canary pods meet `restricted`; Velero restores the namespace with its labels
 * and injects its restore helper into the restored pod, which meets `restricted` from 1.16 (it
 * copies the first container's securityContext) but only `baseline` on 1.14/1.15 (no
 * securityContext unless the fs-restore-action ConfigMap sets one).
 */
export type PodSecurityLevel = 'restricted' | 'baseline';

function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/audit': 'restricted',
  };
}

export function namespaceManifest(name: string, runId: string, level: PodSecurityLevel = 'restricted'): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...runLabels(runId), ...podSecurityLabels(level) } } };
}

/** Velero's annotation for a per-backup/restore limit on pod volume work (pkg/apis/velero/v1/labels_annotations.go). */
export const POD_VOLUME_TIMEOUT_ANNOTATION = 'velero.io/pod-volume-timeout';

/**
 * Three quarters of the drill's own deadline, as a Go duration: Velero then ends a stalled backup
 * or restore (PartiallyFailed) inside the drill's window, so cleanup can delete it, instead of
 * after --fs-backup-timeout (240m by default).
 */
export function podVolumeTimeout(deadlineMs: number): string {
  const ms = Math.max(1_000, Math.floor(deadlineMs * 0.75));
  return ms >= 10_000 ? `${Math.floor(ms / 1_000)}s` : `${ms}ms`;
}

/** PVC sized for the data with headroom; `volumeType: local` makes kind's local-path provisioner create a `local` PV, which FSB backs up (docs/velero-facts.md §4: hostPath PVs are skipped). */
export function pvcManifest(plan: BackupPlan, names: DrillNames): KubeObject {
  const mebibytes = Math.max(16, Math.ceil((plan.drill.dataSizeBytes * 2) / (1024 * 1024)));
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: PVC_NAME, namespace: names.sourceNamespace, labels: runLabels(names.runId), annotations: { volumeType: 'local' } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: `${mebibytes}Mi` } },
      ...(plan.drill.storageClassName ? { storageClassName: plan.drill.storageClassName } : {}),
    },
  };
}

export function podManifest(plan: BackupPlan, names: DrillNames, role: PodRole, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD_NAMES[role], namespace, labels: { ...runLabels(names.runId), [ROLE_LABEL]: role } },
    spec: {
      restartPolicy: role === 'writer' ? 'Always' : 'Never',
      terminationGracePeriodSeconds: 1,
      // No token volume: the only volume file-system backup must cover is the canary PVC.
      automountServiceAccountToken: false,
      // Pod Security `restricted`: non-root, RuntimeDefault seccomp; busybox's nobody (65534).
      securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'canary',
          image: plan.drill.image,
          command: ['sh', '-c', SCRIPTS[role]],
          env: [
            { name: 'DATA_DIR', value: DATA_DIR },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'CANARY_SOURCE_NAMESPACE', value: names.sourceNamespace },
            { name: 'CANARY_LINE', value: canaryLine(names.runId) },
            { name: 'CANARY_BYTES', value: String(plan.drill.dataSizeBytes) },
          ],
          volumeMounts: [{ name: VOLUME_NAME, mountPath: DATA_DIR, ...(role === 'verifier' ? { readOnly: true } : {}) }],
          // Velero 1.16+ copies this into its restore helper init container (restricted there too).
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
        },
      ],
      volumes: [{ name: VOLUME_NAME, persistentVolumeClaim: { claimName: PVC_NAME, ...(role === 'verifier' ? { readOnly: true } : {}) } }],
    },
  };
}

export function backupManifest(plan: BackupPlan, names: DrillNames): KubeObject {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: names.backup, namespace: names.veleroNamespace, labels: runLabels(names.runId), annotations: { [POD_VOLUME_TIMEOUT_ANNOTATION]: podVolumeTimeout(drillTimeout(plan, 'backup')) } },
    spec: {
      includedNamespaces: [names.sourceNamespace],
      defaultVolumesToFsBackup: true,
      snapshotVolumes: false,
      storageLocation: plan.storage.locationName,
      // Short TTL: should cleanup ever fail, Velero's GC removes the drill backup within a day.
      ttl: '24h0m0s',
    },
  };
}

export function restoreManifest(plan: BackupPlan, names: DrillNames): KubeObject {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Restore',
    metadata: { name: names.restore, namespace: names.veleroNamespace, labels: runLabels(names.runId), annotations: { [POD_VOLUME_TIMEOUT_ANNOTATION]: podVolumeTimeout(drillTimeout(plan, 'restore')) } },
    spec: {
      backupName: names.backup,
      includedNamespaces: [names.sourceNamespace],
      namespaceMapping: { [names.sourceNamespace]: names.targetNamespace },
      restorePVs: true,
    },
  };
}

/** docs/velero-facts.md §9: what `velero backup delete` creates; deleting the Backup CR alone leaves the data (and sync brings it back). */
export function deleteBackupRequestManifest(names: Pick<DrillNames, 'veleroNamespace' | 'runId'>, backupName: string, backupUid: string | undefined): KubeObject {
  // No name: the API server generates one from generateName, as `velero backup delete` does.
  return {
    apiVersion: 'velero.io/v1',
    kind: 'DeleteBackupRequest',
    metadata: {
      generateName: `${backupName}-`,
      namespace: names.veleroNamespace,
      labels: { ...runLabels(names.runId), 'velero.io/backup-name': backupName, ...(backupUid ? { 'velero.io/backup-uid': backupUid } : {}) },
    },
    spec: { backupName },
  } as unknown as KubeObject;
}
