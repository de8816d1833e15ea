/**
 * must.fsb-kopia — plan: "Kopia/FSB enabled (`deployNodeAgent: true`)".
 *
 * - The node-agent DaemonSet exists when the plan deploys it (chart `deployNodeAgent`, default
 *   false; docs/velero-facts.md §5).
 * - The uploader is kopia: the server flag `--uploader-type` (absent → kopia, the default since
 *   v1.12; v1.18 accepts only kopia — docs/velero-facts.md §5, §8), and the PodVolumeBackups of the judged
 *   backups record spec.uploaderType kopia.
 * - A node-agent pod is Running and Ready on every node that runs a pod whose volumes the next
 *   backup will file-system back up: Velero refuses those volumes when no node-agent runs on the
 *   pod's node (pod volume backupper, `IsRunningInNode`). A DaemonSet can look complete (2/2)
 *   while a node with workloads is excluded by a taint it does not tolerate, so coverage is
 *   checked per node, not from the DaemonSet counters.
 */
import { expects } from '../plan.ts';
import type { KubeObject } from '../state.ts';
import { fail, pass, type Judge, details } from './types.ts';
import { backupsToCover } from './facts/backups.ts';
import { blockingTaints, taintText } from './facts/taints.ts';
import { podVolumeBackupsOf, volumeText } from './facts/pod-volume-backups.ts';
import { failIfVeleroAbsent, isPodRunningAndReady, nodeAgentDaemonSet, podStatusLine, serverFlag, veleroDeployment, workloadPods } from './facts/workloads.ts';
import { inNamespace } from './facts/object-access.ts';
import { NODE_AGENT_DAEMONSET } from './facts/velero-names.ts';
import { scopeVolumes, upcomingBackupScopes, type PodVolume } from './facts/backup-scope.ts';

const ID = 'must.fsb-kopia' as const;
const EXPECTED =
  'Plan: "Kopia/FSB enabled (`deployNodeAgent: true`)" — the node-agent DaemonSet runs a ready pod on every node with pod volumes to back up, and the uploader is kopia.';

interface Check {
  evidence: string[];
  problems: string[];
  remediation: string[];
  warnings: string[];
}

function checkUploader(check: Check, deployment: KubeObject | undefined, pvbs: KubeObject[], otherPvbs: KubeObject[], kopiaPlanned: boolean): void {
  if (!kopiaPlanned) {
    // A stranger's install: its uploader is its choice (restic PodVolumeBackups are judged by beyond.volume-coverage).
    const types = [...new Set(pvbs.map((pvb) => String(pvb.spec?.uploaderType || '(unset)')))];
    if (types.length) check.evidence.push(`PodVolumeBackups by spec.uploaderType: ${types.join(', ')} (the plan's Kopia expectation is off)`);
    return;
  }
  if (deployment) {
    const flag = serverFlag(deployment, 'uploader-type');
    check.evidence.push(`Deployment velero: --uploader-type=${flag ?? '(absent → kopia, the server default)'}`);
    if (flag !== undefined && flag !== 'kopia') {
      check.problems.push(`the server runs with --uploader-type=${flag}`);
      check.remediation.push('Set configuration.uploaderType: kopia in the Helm values (Velero 1.18 accepts only kopia).');
    }
  } else if (pvbs.length === 0) {
    check.problems.push('the uploader type cannot be confirmed: no velero Deployment and no PodVolumeBackups');
    check.remediation.push('Deploy Velero with configuration.uploaderType: kopia (or capture the velero Deployment in the snapshot).');
  }
  const byType = new Map<string, string[]>();
  for (const pvb of pvbs) {
    const type = String(pvb.spec?.uploaderType || '(unset)');
    byType.set(type, [...(byType.get(type) ?? []), pvb.metadata.name]);
  }
  if (pvbs.length) check.evidence.push(`PodVolumeBackups of the judged backups by spec.uploaderType: ${[...byType].map(([type, names]) => `${type}=${names.length}`).join(', ')}`);
  const restic = byType.get('restic');
  if (restic) {
    check.problems.push(`${restic.length} PodVolumeBackup(s) of the judged backups used restic (${restic.slice(0, 3).join(', ')})`);
    check.remediation.push('Run Velero with --uploader-type=kopia (configuration.uploaderType: kopia); restic backups are disabled since 1.17.');
  }
  const oldRestic = otherPvbs.filter((pvb) => pvb.spec?.uploaderType === 'restic');
  if (oldRestic.length) check.warnings.push(`${oldRestic.length} older PodVolumeBackup(s) used restic; restic restores are removed in Velero 1.19 (docs/velero-facts.md §5).`);
}

function checkNodeCoverage(check: Check, nodeAgentPods: KubeObject[], daemonSet: KubeObject, volumes: PodVolume[], nodes: KubeObject[]): void {
  const readyNodes = new Set(nodeAgentPods.filter(isPodRunningAndReady).map((pod) => pod.spec?.nodeName));
  const tolerations = daemonSet.spec?.template?.spec?.tolerations ?? [];
  const byNode = new Map<string, PodVolume[]>();
  for (const volume of volumes) {
    const node = volume.node ?? '(unscheduled)';
    const list = byNode.get(node);
    if (list) list.push(volume);
    else byNode.set(node, [volume]);
  }

  for (const [node, nodeVolumes] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
    const sample = nodeVolumes.slice(0, 4).map(volumeText).join('; ') + (nodeVolumes.length > 4 ? `; … ${nodeVolumes.length - 4} more` : '');
    if (readyNodes.has(node)) {
      check.evidence.push(`Node ${node}: node-agent ready; ${nodeVolumes.length} pod volume(s) to back up`);
      continue;
    }
    const agentPod = nodeAgentPods.find((pod) => pod.spec?.nodeName === node);
    const taints = blockingTaints(nodes.find((candidate) => candidate.metadata.name === node), tolerations);
    const why = agentPod
      ? `its node-agent pod is not ready (${podStatusLine(agentPod)})`
      : taints.length
        ? `no node-agent pod: taint ${taints.map(taintText).join(', ')} is not tolerated by the ${NODE_AGENT_DAEMONSET} DaemonSet`
        : 'no node-agent pod runs there';
    check.evidence.push(`Node ${node}: ${why}; volumes to back up: ${sample}`);
    check.problems.push(`node ${node} runs ${nodeVolumes.length} pod volume(s) to back up but ${why}`);
    if (taints.length) {
      check.remediation.push(
        `Let node-agent run on ${node}: add to the Helm values nodeAgent.tolerations: [${taints.map((taint) => `{key: ${taint.key}, operator: Exists, effect: ${taint.effect}}`).join(', ')}].`,
      );
    } else if (agentPod) {
      check.remediation.push(`Find out why node-agent on ${node} is not ready: kubectl -n ${daemonSet.metadata.namespace} describe pod ${agentPod.metadata.name}; kubectl -n ${daemonSet.metadata.namespace} logs ${agentPod.metadata.name}.`);
    } else {
      check.remediation.push(`Check the node-agent DaemonSet's nodeSelector/affinity and kubectl -n ${daemonSet.metadata.namespace} describe ds/${NODE_AGENT_DAEMONSET}.`);
    }
  }
}

export const judgeFsbKopia: Judge = ({ state, plan, backupName }) => {
  const absent = failIfVeleroAbsent(ID, state, plan, EXPECTED);
  if (absent) return absent;
  const check: Check = { evidence: [], problems: [], remediation: [], warnings: [] };
  const deployment = veleroDeployment(state, plan);
  const daemonSet = nodeAgentDaemonSet(state, plan);

  const judged = backupsToCover(state, plan, backupName).map((entry) => entry.backup);
  const judgedPvbs = judged.flatMap((backup) => podVolumeBackupsOf(state, plan, backup));
  const judgedSet = new Set(judgedPvbs);
  const otherPvbs = inNamespace(state.objects.podVolumeBackups, plan.namespace).filter((pvb) => !judgedSet.has(pvb));
  checkUploader(check, deployment, judgedPvbs, otherPvbs, expects(plan, 'uploader'));

  if (!plan.deployNodeAgent) {
    check.evidence.push(`Plan deployNodeAgent is false: node-agent not required (DaemonSet ${daemonSet ? 'present' : 'absent'})`);
  } else if (!daemonSet) {
    check.evidence.push(`DaemonSet ${NODE_AGENT_DAEMONSET}: not found in namespace ${plan.namespace}`);
    check.problems.push(`the ${NODE_AGENT_DAEMONSET} DaemonSet is missing`);
    check.remediation.push('Set deployNodeAgent: true in the Helm values (chart default is false) and re-deploy.');
  } else {
    const status = daemonSet.status ?? {};
    check.evidence.push(`DaemonSet ${NODE_AGENT_DAEMONSET}: desiredNumberScheduled=${status.desiredNumberScheduled ?? 0}, numberReady=${status.numberReady ?? 0}`);
    const scopes = upcomingBackupScopes(state, plan, backupName);
    const volumes = dedupeVolumes(scopes.flatMap((scope) => scopeVolumes(state, scope)).filter((volume) => volume.decision.kind === 'back-up'));
    check.evidence.push(`Pod volumes the next backups will file-system back up (${scopes.map((scope) => scope.label).join(' + ')}): ${volumes.length}`);
    checkNodeCoverage(check, workloadPods(state, daemonSet), daemonSet, volumes, state.objects.nodes);
    if (state.objects.pods.length === 0) check.warnings.push('No pods in the input: which nodes run pods with volumes is unknown, so node-agent coverage per node was not checked.');
  }

  if (check.problems.length === 0) {
    return pass(ID, `File-system backup with Kopia is enabled${plan.deployNodeAgent ? ' and node-agent covers every node with volumes' : ''}`, check.evidence, details(EXPECTED, check.warnings));
  }
  return fail(ID, `Kopia file-system backup is not fully enabled: ${check.problems.join('; ')}`, check.evidence, check.remediation.join(' '), details(EXPECTED, check.warnings));
};

function dedupeVolumes(volumes: PodVolume[]): PodVolume[] {
  const seen = new Map<string, PodVolume>();
  for (const volume of volumes) seen.set(`${volume.namespace}/${volume.podName}/${volume.volume}`, volume);
  return [...seen.values()];
}
