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

/** Judges that replace the live ones on pasted evidence. */
export const PASTED_JUDGES: Partial<Record<ItemId, Judge>> = {
  'must.fsb-kopia': pastedNodeAgent,
};
