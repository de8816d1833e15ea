/**
 * must.fsb-kopia — plan: "Kopia/FSB enabled (`deployNodeAgent: true`)". One judge for every
 * target: it reads the objects it is given (from a cluster, a snapshot or rendered manifests) and
 * says what they do not show.
 *
 * - The node-agent DaemonSet exists when the plan deploys it (chart `deployNodeAgent`, default
 *   false; docs/velero-facts.md §5), and its pod template mounts the kubelet pods directory at
 *   `/host_pods` (chart `nodeAgent.podVolumePath`, default `/var/lib/kubelet/pods`,
 *   HostToContainer; docs/velero-facts.md §8): without it the agent reads no pod volume, and
 *   `nodeAgent.disableHostPath: true` removes it.
 * - The uploader is kopia: the server flag `--uploader-type` (absent → kopia, the default since
 *   v1.12; v1.18 accepts only kopia — docs/velero-facts.md §5, §8; Velero before 1.10 has no Kopia
 *   at all), and the PodVolumeBackups of the judged backups record spec.uploaderType kopia.
 * - When pods are in the input: a node-agent pod is Running and Ready on every node that runs a
 *   pod whose volumes the next backup will file-system back up. Velero refuses those volumes when
 *   no node-agent runs on the pod's node (pod volume backupper, `IsRunningInNode`). A DaemonSet
 *   can look complete (2/2) while a node with workloads is excluded by a taint it does not
 *   tolerate, so coverage is checked per node, not from the DaemonSet counters. Without pods
 *   (rendered manifests, a trimmed capture) coverage is "not shown".
 * - On a paste an object not shown is not missing (harness/judge/facts/listing.ts): per-node
 *   coverage is not shown (the pods are not listed in full), so the DaemonSet's counters decide
 *   (ready on every node it is scheduled on); a paste that shows the node-agent pods without the
 *   DaemonSet is judged by those pods (every one Running and ready), and the uploader is "not
 *   shown" when neither the server's arguments nor PodVolumeBackups are.
 */
import { expects } from '../plan.ts';
import type { KubeObject, State } from '../state.ts';
import { fail, pass, skip, type Judge, details } from './types.ts';
import { newChecks, remedy, type Checks } from './checks.ts';
import { parseImageRef, parseVersion } from './images.ts';
import { backupsToCover } from './facts/backups.ts';
import { blockingTaints, taintText } from './facts/taints.ts';
import { podVolumeBackupsOf, volumeText } from './facts/pod-volume-backups.ts';
import {
  failIfVeleroAbsent,
  goBool,
  isNodeAgentPod,
  isPodRunningAndReady,
  nodeAgentDaemonSet,
  podSpecOf,
  podStatusLine,
  serverFlag,
  shownPodsReadiness,
  shownPodStatus,
  veleroDeployment,
  veleroServerContainer,
  workloadPods,
} from './facts/workloads.ts';
import { inNamespace } from './facts/object-access.ts';
import { listedInFull } from './facts/listing.ts';
import { provenance } from './facts/manifests-input.ts';
import { NODE_AGENT_DAEMONSET } from './facts/velero-names.ts';
import { scopeVolumes, upcomingBackupScopes, type PodVolume } from './facts/backup-scope.ts';

const ID = 'must.fsb-kopia' as const;
const EXPECTED =
  'Plan: "Kopia/FSB enabled (`deployNodeAgent: true`)" — the node-agent DaemonSet mounts the pod volumes at /host_pods and runs a ready pod on every node with pod volumes to back up, and the uploader is kopia.';
const STANDARD_POD_VOLUME_PATH = '/var/lib/kubelet/pods';

interface Volume {
  name: string;
  hostPath?: { path?: string };
}
interface Mount {
  name: string;
  mountPath: string;
  mountPropagation?: string;
}

/** "v1.7.0" when the velero image tag names a Velero before 1.10 (no Kopia uploader), else undefined. */
function preKopiaVersion(deployment: KubeObject): { image: string; tag: string; minor: string } | undefined {
  const image = parseImageRef(String(veleroServerContainer(deployment)?.image ?? ''));
  const version = parseVersion(image.tag?.replace(/@.*$/, ''));
  if (!version || !image.tag || !(version.major < 1 || (version.major === 1 && version.minor < 10))) return undefined;
  return { image: image.raw, tag: image.tag, minor: `v${version.major}.${version.minor}` };
}

/** Judges the uploader; returns false when the evidence shows neither the server's arguments nor PodVolumeBackups. */
function checkUploader(checks: Checks, state: State, deployment: KubeObject | undefined, pvbs: KubeObject[], otherPvbs: KubeObject[], kopiaPlanned: boolean): boolean {
  if (deployment && !veleroServerContainer(deployment)) {
    // A Deployment read from a table (`kubectl get deploy`) shows no server arguments.
    checks.evidence.push('Deployment velero: its server arguments are not shown, so --uploader-type is not read');
    if (kopiaPlanned && pvbs.length === 0) {
      checks.warnings.push('The uploader type is not shown: neither the velero server\'s arguments nor PodVolumeBackups are in this evidence.');
      return false;
    }
  } else if (deployment) {
    const flag = serverFlag(deployment, 'uploader-type');
    // Velero before 1.10 has no Kopia uploader and no --uploader-type flag: its file-system backup
    // is restic (Velero 1.10 release notes; chart 2.x renders no uploader flag).
    const old = flag === undefined ? preKopiaVersion(deployment) : undefined;
    if (old) {
      checks.evidence.push(`Deployment velero: image ${old.image} — Velero ${old.minor} has no Kopia uploader (it came with 1.10)`);
      if (kopiaPlanned) {
        checks.problems.push(`Velero ${old.tag} backs pod volumes up with restic only: Kopia arrived in Velero 1.10`);
        remedy(checks, 'Upgrade to a chart release that ships Velero 1.10 or later and set `deployNodeAgent: true` (Kopia is the default uploader from chart 5.4.1).');
      } else {
        // Without the plan's Kopia expectation a restic install is judged on its own terms (plan.ts
        // `expect.uploader`): restic still backs up on this release, but not on the releases it must move to.
        checks.warnings.push(`Velero ${old.tag} backs pod volumes up with restic only (Kopia arrived in Velero 1.10): restic backups are disabled since Velero 1.17 and restic restores are removed in 1.19 (docs/velero-facts.md §5).`);
      }
    } else {
      checks.evidence.push(`Deployment velero: --uploader-type=${flag ?? '(absent → kopia, the server default)'}`);
      if (kopiaPlanned && flag !== undefined && flag !== 'kopia') {
        checks.problems.push(`the server runs with --uploader-type=${flag}`);
        remedy(checks, 'Set `configuration.uploaderType: kopia` in the Helm values (Velero 1.18 accepts only kopia; restic backups are disabled since 1.17).');
      }
    }
  } else if (kopiaPlanned && pvbs.length === 0) {
    if (listedInFull(state, 'deployments')) {
      checks.problems.push('the uploader type cannot be confirmed: no velero Deployment and no PodVolumeBackups');
      remedy(checks, 'Deploy Velero with configuration.uploaderType: kopia (or capture the velero Deployment in the snapshot).');
    } else {
      checks.warnings.push('The uploader type is not shown: neither the velero Deployment nor PodVolumeBackups are in this evidence.');
      return false;
    }
  }
  const byType = new Map<string, string[]>();
  for (const pvb of pvbs) {
    const type = String(pvb.spec?.uploaderType || '(unset)');
    byType.set(type, [...(byType.get(type) ?? []), pvb.metadata.name]);
  }
  if (!kopiaPlanned) {
    // A stranger's install: its uploader is its choice (restic PodVolumeBackups are judged by beyond.volume-coverage).
    if (pvbs.length) checks.evidence.push(`PodVolumeBackups by spec.uploaderType: ${[...byType.keys()].join(', ')} (the plan's Kopia expectation is off)`);
    return true;
  }
  if (pvbs.length) checks.evidence.push(`PodVolumeBackups of the judged backups by spec.uploaderType: ${[...byType].map(([type, names]) => `${type}=${names.length}`).join(', ')}`);
  const restic = byType.get('restic');
  if (restic) {
    checks.problems.push(`${restic.length} PodVolumeBackup(s) of the judged backups used restic (${restic.slice(0, 3).join(', ')})`);
    remedy(checks, 'Run Velero with --uploader-type=kopia (configuration.uploaderType: kopia); restic backups are disabled since 1.17.');
  }
  const oldRestic = otherPvbs.filter((pvb) => pvb.spec?.uploaderType === 'restic');
  if (oldRestic.length) checks.warnings.push(`${oldRestic.length} older PodVolumeBackup(s) used restic; restic restores are removed in Velero 1.19 (docs/velero-facts.md §5).`);
  return true;
}

/**
 * The pod-volume hostPath of the node-agent pod template. A DaemonSet read from a table
 * (`kubectl get ds`) has no template: then nothing is said about the mount. Returns whether the
 * template was shown.
 */
function checkHostPath(checks: Checks, daemonSet: KubeObject, namespace: string): boolean {
  const spec = podSpecOf(daemonSet);
  const containers = (spec.containers ?? []) as Array<{ name: string; volumeMounts?: Mount[] }>;
  const where = `DaemonSet ${daemonSet.metadata.namespace ?? namespace}/${daemonSet.metadata.name}`;
  if (containers.length === 0) {
    checks.evidence.push(`${where}: pod template not shown, so its /host_pods mount is not checked`);
    return false;
  }
  const container = containers.find((c) => c.name === NODE_AGENT_DAEMONSET || c.name === daemonSet.metadata.name) ?? containers[0];
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath.replace(/\/+$/, '') === '/host_pods');
  const volume = mount ? ((spec.volumes ?? []) as Volume[]).find((v) => v.name === mount.name) : undefined;
  if (!mount) {
    checks.problems.push(`${where} mounts nothing at /host_pods`);
    checks.evidence.push(`${where}: container ${container.name} has no volumeMount at /host_pods`);
    remedy(checks, 'Remove `nodeAgent.disableHostPath: true` (or mount the kubelet pods directory at /host_pods): the node agent reads pod volumes through it.');
    return true;
  }
  if (!volume?.hostPath?.path) {
    checks.problems.push(`${where}: /host_pods is volume ${mount.name}, which is not a hostPath`);
    checks.evidence.push(`${where}: volume ${mount.name} mounted at /host_pods is ${volume ? 'not a hostPath' : 'not defined'}`);
    remedy(checks, 'Mount the kubelet pods directory (hostPath, default /var/lib/kubelet/pods) at /host_pods, as the chart does by default.');
    return true;
  }
  checks.evidence.push(`${where}: hostPath ${volume.hostPath.path} mounted at /host_pods (${mount.mountPropagation ?? 'no mountPropagation'})`);
  if (volume.hostPath.path.replace(/\/+$/, '') !== STANDARD_POD_VOLUME_PATH) {
    checks.warnings.push(`The node agent reads pod volumes from ${volume.hostPath.path}, not ${STANDARD_POD_VOLUME_PATH}: make sure that is this cluster's kubelet pods directory (docs/velero-facts.md §8: RKE and others differ).`);
  }
  if (mount.mountPropagation !== 'HostToContainer') {
    checks.warnings.push(`/host_pods is mounted without mountPropagation: HostToContainer (the chart's setting); volumes mounted after the agent started may be invisible to it.`);
  }
  return true;
}

function checkNodeCoverage(checks: Checks, nodeAgentPods: KubeObject[], daemonSet: KubeObject, volumes: PodVolume[], nodes: KubeObject[]): void {
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
      checks.evidence.push(`Node ${node}: node-agent ready; ${nodeVolumes.length} pod volume(s) to back up`);
      continue;
    }
    const agentPod = nodeAgentPods.find((pod) => pod.spec?.nodeName === node);
    const taints = blockingTaints(nodes.find((candidate) => candidate.metadata.name === node), tolerations);
    const why = agentPod
      ? `its node-agent pod is not ready (${podStatusLine(agentPod)})`
      : taints.length
        ? `no node-agent pod: taint ${taints.map(taintText).join(', ')} is not tolerated by the ${NODE_AGENT_DAEMONSET} DaemonSet`
        : 'no node-agent pod runs there';
    checks.evidence.push(`Node ${node}: ${why}; volumes to back up: ${sample}`);
    checks.problems.push(`node ${node} runs ${nodeVolumes.length} pod volume(s) to back up but ${why}`);
    if (taints.length) {
      remedy(checks, `Let node-agent run on ${node}: add to the Helm values nodeAgent.tolerations: [${taints.map((taint) => `{key: ${taint.key}, operator: Exists, effect: ${taint.effect}}`).join(', ')}].`);
    } else if (agentPod) {
      remedy(checks, `Find out why node-agent on ${node} is not ready: kubectl -n ${daemonSet.metadata.namespace} describe pod ${agentPod.metadata.name}; kubectl -n ${daemonSet.metadata.namespace} logs ${agentPod.metadata.name}.`);
    } else {
      remedy(checks, `Check the node-agent DaemonSet's nodeSelector/affinity and kubectl -n ${daemonSet.metadata.namespace} describe ds/${NODE_AGENT_DAEMONSET}.`);
    }
  }
}

/**
 * Which volumes are backed up without per-pod opt-in: the server flag or a schedule template.
 * Said only when the server's arguments are shown (a Deployment read from a table has none).
 */
function checkFsbDefault(checks: Checks, state: State, namespace: string, deployment: KubeObject | undefined): void {
  if (!veleroServerContainer(deployment)) return;
  const serverDefault = goBool(serverFlag(deployment, 'default-volumes-to-fs-backup')) ?? false;
  const schedules = inNamespace(state.objects.schedules, namespace);
  const scheduleDefault = schedules.filter((s) => s.spec?.template?.defaultVolumesToFsBackup === true).map((s) => s.metadata.name);
  checks.evidence.push(
    `File-system backup by default: server --default-volumes-to-fs-backup ${serverDefault ? 'set' : 'not set'}; schedules with template.defaultVolumesToFsBackup: ${scheduleDefault.join(', ') || 'none'}`,
  );
  if (!serverDefault && scheduleDefault.length === 0) {
    checks.warnings.push(
      'Neither --default-volumes-to-fs-backup nor a schedule\'s template.defaultVolumesToFsBackup is set: only volumes of pods annotated backup.velero.io/backup-volumes are backed up (docs/velero-facts.md §4).',
    );
  }
}

/**
 * A paste that shows the node-agent pods but not their DaemonSet: every current pod Running and
 * ready. The clause the pass summary ends with, or undefined when no current pod is shown.
 */
function checkShownAgentPods(checks: Checks, pods: KubeObject[], namespace: string): string | undefined {
  const { current, broken } = shownPodsReadiness(pods);
  checks.evidence.push(`DaemonSet ${NODE_AGENT_DAEMONSET}: not shown in this evidence; judged by the ${pods.length} node-agent pod(s) shown`, ...pods.map(podStatusLine));
  if (current.length === 0) return undefined;
  if (broken.length > 0) {
    checks.problems.push(`node-agent pod${broken.length > 1 ? 's' : ''} ${broken.map((pod) => `${pod.metadata.name} is ${shownPodStatus(pod)}`).join(', ')}`);
    remedy(checks, `Read kubectl -n ${namespace} describe pod <pod> and kubectl -n ${namespace} logs <pod> --previous; the node agent needs its hostPath mounts (privileged namespace), tolerations for tainted nodes and RBAC to list pods.`);
    return '';
  }
  checks.warnings.push('The number of nodes is not shown: whether every node runs a node-agent pod cannot be told from this evidence.');
  return `the ${current.length} node-agent pod(s) shown are Running and ready`;
}

/** Node-agent coverage per node, when pods are in the input; the clause the pass summary ends with. */
function checkAgent(checks: Checks, context: Parameters<Judge>[0], daemonSet: KubeObject): string {
  const { state, plan, backupName } = context;
  const templateShown = checkHostPath(checks, daemonSet, plan.namespace);
  const agent = templateShown ? `the ${daemonSet.metadata.name} DaemonSet mounts the pod volumes at /host_pods` : `the ${daemonSet.metadata.name} DaemonSet exists`;
  const status = daemonSet.status;
  checks.evidence.push(
    status
      ? `DaemonSet ${daemonSet.metadata.name}: desiredNumberScheduled=${status.desiredNumberScheduled ?? 0}, numberReady=${status.numberReady ?? 0}`
      : `DaemonSet ${daemonSet.metadata.name}: no status in the input`,
  );
  const noPods = state.objects.pods.length === 0;
  if (noPods || !listedInFull(state, 'pods')) {
    checks.warnings.push(
      noPods
        ? 'No pods in the input: which nodes run pods with volumes is unknown, so node-agent coverage per node was not checked.'
        : 'The pods are not listed in full in this evidence: which nodes run pods with volumes, and whether each runs a node-agent pod, is not shown.',
    );
    const notShown = `node-agent coverage per node is not shown (${noPods ? 'no pods in the input' : 'the pods are not listed in full'})`;
    // Without the pods, the DaemonSet's own counters are what the input shows of its readiness.
    if (status?.desiredNumberScheduled === undefined) return `${agent}; ${notShown.replace('node-agent coverage', 'node-agent readiness')}`;
    const desired = Number(status.desiredNumberScheduled);
    const ready = Number(status.numberReady ?? 0);
    if (desired > 0 && ready === desired) return `${agent} and is ready on all ${desired} node(s); ${notShown}`;
    checks.problems.push(`the ${daemonSet.metadata.name} DaemonSet has ${ready}/${desired} pods ready`);
    remedy(checks, `Read kubectl -n ${daemonSet.metadata.namespace ?? plan.namespace} describe ds/${daemonSet.metadata.name} and kubectl -n ${daemonSet.metadata.namespace ?? plan.namespace} logs ds/${daemonSet.metadata.name}; the node agent needs its hostPath mounts (privileged namespace), tolerations for tainted nodes and RBAC to list pods.`);
    return '';
  }
  const scopes = upcomingBackupScopes(state, plan, backupName);
  const volumes = dedupeVolumes(scopes.flatMap((scope) => scopeVolumes(state, scope)).filter((volume) => volume.decision.kind === 'back-up'));
  checks.evidence.push(`Pod volumes the next backups will file-system back up (${scopes.map((scope) => scope.label).join(' + ')}): ${volumes.length}`);
  checkNodeCoverage(checks, workloadPods(state, daemonSet), daemonSet, volumes, state.objects.nodes);
  return `${agent} and node-agent covers every node with volumes`;
}

export const judgeFsbKopia: Judge = (context) => {
  const { state, plan, backupName } = context;
  const absent = failIfVeleroAbsent(ID, state, plan, EXPECTED);
  if (absent) return absent;
  const checks = newChecks();
  const deployment = veleroDeployment(state, plan);
  const daemonSet = nodeAgentDaemonSet(state, plan);
  const kopiaPlanned = expects(plan, 'uploader');

  const judged = backupsToCover(state, plan, backupName).map((entry) => entry.backup);
  const judgedPvbs = judged.flatMap((backup) => podVolumeBackupsOf(state, plan, backup));
  const judgedSet = new Set(judgedPvbs);
  const otherPvbs = inNamespace(state.objects.podVolumeBackups, plan.namespace).filter((pvb) => !judgedSet.has(pvb));
  const uploaderShown = checkUploader(checks, state, deployment, judgedPvbs, otherPvbs, kopiaPlanned);

  // With `deployNodeAgent: false` the plan does not want file-system backup: the item passes on
  // every target, saying so. (The manifests gate used to skip here; on a cluster a skipped required
  // item is "not verified" and blocks APPROVE, which would reject a plan for a choice it states.)
  let agentClause = '';
  if (!plan.deployNodeAgent) {
    checks.evidence.push(`Plan deployNodeAgent is false: node-agent not required (DaemonSet ${daemonSet ? 'present' : 'absent'})`);
  } else if (!daemonSet && !listedInFull(state, 'daemonSets')) {
    const pods = inNamespace(state.objects.pods, plan.namespace).filter((pod) => isNodeAgentPod(pod, plan));
    const clause = checkShownAgentPods(checks, pods, plan.namespace);
    if (clause === undefined && checks.problems.length === 0) {
      return { ...skip(ID, 'Not shown in this evidence: neither the node-agent DaemonSet nor a current node-agent pod is shown.', checks.evidence), expected: EXPECTED };
    }
    agentClause = clause ?? '';
  } else if (!daemonSet) {
    checks.evidence.push(`DaemonSet ${NODE_AGENT_DAEMONSET}: absent from namespace ${plan.namespace} (the chart creates it only with deployNodeAgent: true; its default is false)`);
    checks.problems.push(`no DaemonSet ${NODE_AGENT_DAEMONSET} in namespace ${plan.namespace}`);
    remedy(checks, 'Set `deployNodeAgent: true` in the Velero Helm values (chart default false) and re-deploy.');
  } else {
    agentClause = checkAgent(checks, context, daemonSet);
  }
  checkFsbDefault(checks, state, plan.namespace, deployment);

  const from = provenance(state);
  if (checks.problems.length) {
    return fail(ID, `Kopia file-system backup is not enabled${from}: ${checks.problems.join('; ')}`, checks.evidence, checks.remediation.join(' '), details(EXPECTED, checks.warnings));
  }
  const summary = plan.deployNodeAgent
    ? `File-system backup${kopiaPlanned && uploaderShown ? ' with Kopia' : ''} is enabled${from}: ${agentClause}`
    : `The plan does not deploy the node agent (deployNodeAgent: false), so file-system backup is not expected${from}`;
  return pass(ID, summary, checks.evidence, details(EXPECTED, checks.warnings));
};

function dedupeVolumes(volumes: PodVolume[]): PodVolume[] {
  const seen = new Map<string, PodVolume>();
  for (const volume of volumes) seen.set(`${volume.namespace}/${volume.podName}/${volume.volume}`, volume);
  return [...seen.values()];
}
