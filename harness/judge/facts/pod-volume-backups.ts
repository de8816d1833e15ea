/**
 * The PodVolumeBackups of a backup and how a judge names them.
 * Pure: no I/O and no clock (times are compared against the `now` a judge receives).
 */
import type { BackupPlan } from '../../plan.ts';
import type { KubeObject, State } from '../../state.ts';
import { LABELS } from './velero-names.ts';
import { inNamespace, labelOf } from './object-access.ts';
import type { PodVolume } from './backup-scope.ts';

/**
 * PVBs of a backup: label velero.io/backup-name (truncated/hashed beyond 63 characters,
 * docs/velero-facts.md §4), so spec.tags.backup and the owner reference are accepted as well.
 */
export function podVolumeBackupsOf(state: State, plan: BackupPlan, backup: KubeObject): KubeObject[] {
  const name = backup.metadata.name;
  return inNamespace(state.objects.podVolumeBackups, plan.namespace).filter(
    (pvb) =>
      labelOf(pvb, LABELS.backupName) === name ||
      pvb.spec?.tags?.backup === name ||
      pvb.metadata.ownerReferences?.some((owner) => owner.kind === 'Backup' && owner.name === name),
  );
}

export function pvbTarget(pvb: KubeObject): string {
  return `${pvb.spec?.pod?.namespace ?? '?'}/${pvb.spec?.pod?.name ?? '?'} volume ${pvb.spec?.volume ?? '?'}`;
}

export function volumeText(volume: PodVolume): string {
  const claim = volume.pvcName ? ` (PVC ${volume.pvcName}${volume.pvName ? `, PV ${volume.pvName}` : ''})` : '';
  return `${volume.namespace}/${volume.podName} volume ${volume.volume}${claim}`;
}

export function pvbPhase(pvb: KubeObject): string {
  return typeof pvb.status?.phase === 'string' ? pvb.status.phase : '';
}
