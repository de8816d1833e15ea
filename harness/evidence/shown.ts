/**
 * "Judge only what the evidence shows": every item declares the evidence it reads. On pasted
 * evidence, an item whose evidence is neither shown nor proven looked for is "not shown in this
 * evidence" — a SKIP with that reason, never a FAIL (and never a PASS). Full captures (the
 * README's kubectl commands, scripts/capture.mjs) list every kind they read, so there a missing
 * object is a finding, as before.
 */
import type { ItemId } from '../catalog.ts';
import type { KubeObject, State } from '../state.ts';
import { isNodeAgentPod, isVeleroServerPod } from '../judge/facts/workloads.ts';
import type { EvidenceKind } from './types.ts';

/** How the reason of an item the evidence does not show begins (the report lists those items apart). */
export const NOT_SHOWN_PREFIX = 'Not shown in this evidence';

export interface EvidenceNeed {
  /** What the item reads, in words, for the "not shown" reason. */
  reads: string;
  /** The kinds it reads (any of them): on a capture, the item is not shown only when none was listed. */
  kinds: EvidenceKind[];
  /** On pasted evidence: whether the state shows (or proves the absence of) that evidence. */
  isShown: (state: State, has: (kind: EvidenceKind) => boolean) => boolean;
}

const isAgentDaemonSet = (ds: KubeObject) => ['node-agent', 'restic'].includes(ds.metadata.name);

export const ITEM_EVIDENCE: Record<ItemId, EvidenceNeed> = {
  'dod.pods-running': { kinds: ['deployments', 'pods'], reads: 'the velero Deployment or its pods (`kubectl get deploy,pods -n velero`)', isShown: (s, has) => (has('deployments') && s.objects.deployments.length > 0) || s.objects.pods.some(isVeleroServerPod) || (s.evidence?.lookedFor.includes('deployments') ?? false) },
  'dod.bsl-available': { kinds: ['backupStorageLocations'], reads: 'a BackupStorageLocation (`velero backup-location get`)', isShown: (_s, has) => has('backupStorageLocations') },
  'dod.manual-backup': { kinds: ['backups'], reads: 'a Backup (`velero backup get` / `velero backup describe`)', isShown: (_s, has) => has('backups') },
  'dod.data-in-bucket': { kinds: [], reads: 'a capture of the bucket (scripts/capture.mjs)', isShown: (_s, has) => has('bucket') },
  'must.fsb-kopia': { kinds: ['daemonSets', 'pods'], reads: 'the node-agent (or restic) DaemonSet or its pods', isShown: (s) => s.objects.daemonSets.some(isAgentDaemonSet) || s.objects.pods.some((pod) => isNodeAgentPod(pod)) || (s.evidence?.lookedFor.includes('daemonSets') ?? false) },
  'must.s3-target': { kinds: ['backupStorageLocations'], reads: 'a BackupStorageLocation\'s spec (`kubectl get bsl -o yaml`)', isShown: (s, has) => has('backupStorageLocations') && s.objects.backupStorageLocations.some((bsl) => bsl.spec?.provider !== undefined || bsl.spec?.objectStorage !== undefined || bsl.spec?.config !== undefined) },
  'must.schedule': { kinds: ['schedules'], reads: 'a Schedule (`velero schedule get` / `describe`)', isShown: (_s, has) => has('schedules') },
  'guard.k8s-secrets': { kinds: ['secrets'], reads: 'the credentials Secret (key names) and the BackupStorageLocation or velero Deployment', isShown: (_s, has) => has('secrets') && (has('backupStorageLocations') || has('deployments')) },
  'guard.lan-only': { kinds: ['backupStorageLocations', 'services', 'ingresses', 'bucket'], reads: 'the BackupStorageLocation\'s s3Url, Services/Ingresses, or a bucket capture', isShown: (s, has) => has('bucket') || has('services') || has('ingresses') || s.objects.backupStorageLocations.some((bsl) => typeof bsl.spec?.config?.s3Url === 'string') },
  'beyond.restore': { kinds: [], reads: 'the restore drill (live cluster only)', isShown: () => true },
  'beyond.volume-coverage': { kinds: ['podVolumeBackups', 'pods'], reads: 'PodVolumeBackups (`velero backup describe --details`, `kubectl get podvolumebackups`)', isShown: (_s, has) => has('podVolumeBackups') },
  // A Schedule alone decides how many backups it keeps (frequency × TTL); the lifecycle needs the bucket.
  'beyond.retention': { kinds: ['bucket', 'schedules', 'backups'], reads: 'the bucket lifecycle (bucket capture), a Schedule with its TTL, or backups shown Deleting', isShown: (s, has) => has('bucket') || s.objects.schedules.some((schedule) => schedule.spec?.template?.ttl !== undefined) || s.objects.backups.some((b) => b.status?.phase === 'Deleting' || b.metadata.deletionTimestamp !== undefined) },
  'beyond.freshness': { kinds: ['schedules', 'backups'], reads: 'Schedules and their Backups, and the time of the capture (`--now` for a paste)', isShown: (s, has) => has('schedules') && has('backups') && !!s.capturedAt },
  'beyond.image-pinning': { kinds: ['deployments', 'daemonSets', 'pods'], reads: 'the velero Deployment / node-agent DaemonSet spec (images)', isShown: (s) => [...s.objects.deployments, ...s.objects.daemonSets].some((w) => Array.isArray(w.spec?.template?.spec?.containers)) },
  'beyond.repository': { kinds: ['backupRepositories', 'secrets'], reads: 'BackupRepositories (`kubectl get backuprepositories -o yaml`) or the repository Secret', isShown: (_s, has) => has('backupRepositories') || has('secrets') },
  'guard.minio-root-credentials': { kinds: ['secrets'], reads: 'the credentials Secret (captured without values by scripts/capture.mjs)', isShown: (_s, has) => has('secrets') },
  'guard.repository-password': { kinds: ['secrets'], reads: 'the repository Secret velero-repo-credentials (captured without values by scripts/capture.mjs)', isShown: (_s, has) => has('secrets') },
  'beyond.credentials-valid': { kinds: ['backupStorageLocations'], reads: 'a BackupStorageLocation with its phase, or the server log', isShown: (s, has) => has('backupStorageLocations') && s.objects.backupStorageLocations.some((bsl) => bsl.status?.phase === 'Available') },
  'beyond.node-agent-admitted': { kinds: ['daemonSets', 'namespaces', 'events'], reads: 'the node-agent DaemonSet with the Velero Namespace (`kubectl get ds,ns -o yaml`), or its FailedCreate events', isShown: (s) => s.objects.daemonSets.some(isAgentDaemonSet) && (s.objects.namespaces.length > 0 || s.objects.events.length > 0) },
  'beyond.restores-completed': { kinds: ['restores'], reads: 'a Restore (`velero restore get` / `velero restore describe`)', isShown: (_s, has) => has('restores') },
};

/** Why an item is not shown in this state's evidence, or undefined when it may be judged. */
export function notShownReason(id: ItemId, state: State): string | undefined {
  const evidence = state.evidence;
  if (!evidence) return undefined;
  const has = (kind: EvidenceKind) => evidence.shown.includes(kind) || evidence.lookedFor.includes(kind);
  const need = ITEM_EVIDENCE[id];
  if (!need) return undefined;
  if (evidence.mode === 'capture' ? need.kinds.length === 0 || need.kinds.some(has) : need.isShown(state, has)) return undefined;
  return `${NOT_SHOWN_PREFIX}: this item reads ${need.reads}, and the input holds none.`;
}
