/**
 * Judges for pasted evidence, where the live judges' premise — a full capture, in which a
 * missing object is a finding — does not hold. Each judges only the objects shown: a pods table
 * without the Deployment, the backups a `velero backup get` printed, the PodVolumeBackups a
 * `describe --details` listed. Used only when the State's evidence is a paste (judge/index.ts).
 */
import type { ItemId } from '../catalog.ts';
import { inferOwner } from '../evidence/tables.ts';
import type { KubeObject } from '../state.ts';
import { fail, pass, skip, type Finding, type Judge } from './types.ts';
import { backupPhase } from './facts/backups.ts';
import { inNamespace } from './facts/object-access.ts';
import { isPodRunningAndReady } from './facts/workloads.ts';

function shownStatus(pod: KubeObject): string {
  return String(pod.status?.shownStatus ?? pod.status?.phase ?? '');
}

function podLine(pod: KubeObject): string {
  const ready = (pod.status?.containerStatuses ?? []) as Array<{ ready?: boolean }>;
  return `Pod ${pod.metadata.name}: ${shownStatus(pod)}, ready ${ready.filter((c) => c.ready).length}/${ready.length}`;
}

const isAgentPod = (pod: KubeObject) => ['node-agent', 'restic'].includes(pod.metadata.labels?.name ?? inferOwner(pod.metadata.name)?.labels.name ?? '');
const isFinished = (pod: KubeObject) => pod.status?.phase === 'Succeeded';

/** Workload pods shown: every one must be Running and ready (a broken rollout next to an old Running pod is still broken). */
function judgePods(id: ItemId, pods: KubeObject[], what: string, remediation: string): Finding {
  const live = pods.filter((pod) => !isFinished(pod));
  const broken = live.filter((pod) => !isPodRunningAndReady(pod));
  const evidence = pods.map(podLine);
  if (live.length === 0) return skip(id, `Only finished ${what} pods are shown.`, evidence);
  if (broken.length > 0) return fail(id, `${what} is not running: ${broken.map((pod) => `${pod.metadata.name} is ${shownStatus(pod)}`).join('; ')}`, evidence, remediation);
  return pass(id, `${what} pods are Running and ready (${live.length} shown)`, evidence);
}

const pastedNodeAgent: Judge = ({ state }) => {
  const id = 'must.fsb-kopia';
  const daemonSet = state.objects.daemonSets.find((ds) => ['node-agent', 'restic'].includes(ds.metadata.name));
  const remediation = 'Read kubectl -n velero describe ds/node-agent and kubectl -n velero logs ds/node-agent; the node agent needs its hostPath mounts (privileged namespace), tolerations for tainted nodes and RBAC to list pods.';
  if (daemonSet) {
    const desired = Number(daemonSet.status?.desiredNumberScheduled ?? 0);
    const ready = Number(daemonSet.status?.numberReady ?? 0);
    const line = `DaemonSet ${daemonSet.metadata.name}: desired=${desired}, ready=${ready}`;
    return desired > 0 && ready === desired ? pass(id, `The ${daemonSet.metadata.name} DaemonSet is ready on all ${desired} node(s)`, [line]) : fail(id, `The ${daemonSet.metadata.name} DaemonSet has ${ready}/${desired} pods ready`, [line], remediation);
  }
  const pods = state.objects.pods.filter(isAgentPod);
  if (pods.length === 0) return skip(id, 'Not shown in this evidence: no node-agent (or restic) pod or DaemonSet is shown.');
  const finding = judgePods(id, pods, 'The node agent', remediation);
  if (finding.status === 'pass') finding.warnings = ['The number of nodes is not shown: whether every node runs a node-agent pod cannot be told from this evidence.'];
  return finding;
};

const pastedBackups: Judge = ({ state, plan }) => {
  const id = 'dod.manual-backup';
  const all = inNamespace(state.objects.backups, plan.namespace);
  const deleting = all.filter((backup) => backupPhase(backup) === 'Deleting' || backup.metadata.deletionTimestamp);
  const backups = all.filter((backup) => !deleting.includes(backup));
  if (backups.length === 0) return skip(id, `Only backups being deleted are shown (${deleting.map((b) => b.metadata.name).join(', ')}); their outcome is not shown.`);
  const line = (backup: KubeObject) => `Backup ${backup.metadata.name}: ${backupPhase(backup) || 'New (empty phase)'}${backup.status?.errors !== undefined ? `, errors=${backup.status.errors}` : ''}${backup.status?.warnings !== undefined ? `, warnings=${backup.status.warnings}` : ''}`;
  const evidence = backups.map(line);
  const notCompleted = backups.filter((backup) => backupPhase(backup) !== 'Completed');
  if (notCompleted.length === 0) return pass(id, `${backups.length === 1 ? `Backup ${backups[0].metadata.name} is` : `All ${backups.length} backups shown are`} Completed`, evidence);
  const phases = [...new Set(notCompleted.map((backup) => backupPhase(backup) || 'New'))];
  const stuck = phases.some((phase) => ['New', 'InProgress', 'Queued', 'ReadyToStart'].includes(phase));
  return fail(
    id,
    `${notCompleted.length} backup(s) shown did not complete: ${notCompleted.map((backup) => `${backup.metadata.name} is ${backupPhase(backup) || 'New'}`).join('; ')}`,
    evidence,
    `Read the errors with velero backup describe <name> --details and velero backup logs <name>.${stuck ? ' A backup that stays New means the velero server is not running (kubectl -n velero get pods); one that stays InProgress is waiting for PodVolumeBackups or plugin operations (kubectl -n velero get podvolumebackups -l velero.io/backup-name=<name>).' : ''} Fix the cause and run the backup again.`,
  );
};

/** Judges that replace the live ones on pasted evidence. */
export const PASTED_JUDGES: Partial<Record<ItemId, Judge>> = {
  'must.fsb-kopia': pastedNodeAgent,
  'dod.manual-backup': pastedBackups,
};
