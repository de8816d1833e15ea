/**
 * Which Velero the drill meets, and the rules of that release it applies. Every rule comes from
 * Velero's controllers; docs/velero-facts.md ("The drill and Velero's controllers") cites the
 * source file of each.
 */
import type { KubeObject } from '../state.ts';
import type { PodSecurityLevel } from './canary.ts';

export interface VeleroRelease {
  /** The server image's tag, e.g. `v1.18.1`; undefined when the Deployment could not be read. */
  version?: string;
  image?: string;
  minor?: number;
}

/** The velero Deployment's server container image and its version. */
export function veleroRelease(deployment: KubeObject | undefined): VeleroRelease {
  const containers = ((deployment?.spec as { template?: { spec?: { containers?: Array<{ name?: string; image?: string }> } } } | undefined)?.template?.spec?.containers) ?? [];
  const raw = (containers.find((container) => container.name === 'velero') ?? containers[0])?.image;
  // Cluster text reaches the report: keep only what an image reference can contain.
  const image = raw && /^[\w.\-/:@]{1,255}$/.test(raw) ? raw : undefined;
  const match = image ? /:v?(\d+)\.(\d+)\.(\d+)[^/]*$/.exec(image) : null;
  if (!image) return {};
  if (!match) return { image };
  return { image, version: `v${match[1]}.${match[2]}.${match[3]}`, minor: Number(match[1]) === 1 ? Number(match[2]) : 99 };
}

/** 1.18 queues backups (New → Queued → ReadyToStart → InProgress); earlier releases leave the next one New. */
export function queuesBackups(release: VeleroRelease): boolean {
  return (release.minor ?? 0) >= 18;
}

/** The image of the restore helper init container `restore-wait` Velero injects into restored pods. */
function restoreHelperImage(release: VeleroRelease): string {
  if (release.minor !== undefined && release.minor <= 15) return `velero/velero-restore-helper:${release.version}`;
  return release.minor !== undefined ? (release.image ?? 'the velero server image') : 'velero/velero-restore-helper:<version> (1.14/1.15) or the velero server image (1.16+)';
}

/** The Pod Security level the drill's namespaces meet with this release's restore helper. */
export function drillPodSecurityLevel(release: VeleroRelease): PodSecurityLevel {
  return release.minor !== undefined && release.minor >= 16 ? 'restricted' : 'baseline';
}

/** Backup phases in which a backup holds Velero's backup worker: the next backup waits behind it. */
export const BLOCKING_BACKUP_PHASES = new Set(['', 'New', 'Queued', 'ReadyToStart', 'InProgress']);

/** The rules the drill applies for this release, one line each (shown in the report). */
export function appliedRules(release: VeleroRelease): string[] {
  const version = release.version ?? 'unknown version';
  return [
    queuesBackups(release)
      ? `${version}: backups are queued (New → Queued → ReadyToStart → InProgress), one at a time by default (--concurrent-backups 1) and never two with overlapping namespaces; the drill waits (bounded) for running backups before it creates its own, and its backup deadline counts from the start`
      : `${version}: one backup at a time; the next stays New until the running one has finished; the drill waits (bounded) for running backups before it creates its own, and its backup deadline counts from the start`,
    'the drill\'s Backup and Restore carry velero.io/pod-volume-timeout (¾ of the drill\'s deadline), so Velero ends stalled volume work inside the drill\'s window instead of after --fs-backup-timeout (240m)',
    `deletion: a Queued backup (never started, nothing in the bucket) is deleted at once; one in progress cannot be deleted through Velero ("backup is still in progress") and is waited for; the Restore is deleted and gone before the Backup's DeleteBackupRequest, so its finalizer can remove restores/<name>/ from the bucket`,
    `restore helper: ${restoreHelperImage(release)}; a restored pod stuck in its restore-wait init container is named in the cause`,
    `Pod Security: the drill's namespaces are labelled enforce=${drillPodSecurityLevel(release)} (${drillPodSecurityLevel(release) === 'restricted' ? 'the restore helper copies the canary container\'s restricted securityContext' : '1.14/1.15 inject the restore helper without a securityContext, which restricted would reject'})`,
  ];
}
