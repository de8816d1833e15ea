/**
 * must.fsb-kopia, manifests — plan: "Kopia/FSB enabled (`deployNodeAgent: true`)".
 *
 * From the rendered objects (or the values' derivation):
 * - the `node-agent` DaemonSet is rendered (chart `deployNodeAgent`, default **false**, docs/velero-facts.md §5);
 * - its pod-volume hostPath is mounted at `/host_pods` (chart: `nodeAgent.podVolumePath`, default
 *   `/var/lib/kubelet/pods`, HostToContainer; docs/velero-facts.md §8): without it the node agent cannot read
 *   any pod volume, and `nodeAgent.disableHostPath: true` removes it;
 * - the server's uploader is kopia (`--uploader-type=kopia`, or absent → kopia; Velero 1.18 accepts
 *   only kopia, docs/velero-facts.md §5).
 * A live cluster is needed to prove the agent is ready on every node; that is the live judge's job.
 */
import type { KubeObject } from '../../state.ts';
import { parseImageRef, parseVersion } from '../images.ts';
import { fail, pass, skip, type Finding, type JudgeContext } from '../types.ts';
import { goBool, nodeAgentDaemonSet, serverFlag, veleroDeployment } from '../facts/workloads.ts';
import { inNamespace } from '../facts/object-access.ts';
import { provenance } from '../facts/manifests-input.ts';
import { newChecks, remedy, type Checks } from '../checks.ts';
import { podSpecOf } from '../facts/workloads.ts';

const ID = 'must.fsb-kopia' as const;
const EXPECTED = 'Plan: "Kopia/FSB enabled (`deployNodeAgent: true`)" — the node-agent DaemonSet is rendered with its pod-volume hostPath at /host_pods, and the uploader is kopia.';
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

function checkNodeAgent(checks: Checks, daemonSet: KubeObject | undefined, namespace: string): void {
  if (!daemonSet) {
    checks.problems.push(`no DaemonSet node-agent is rendered in namespace ${namespace}`);
    checks.evidence.push('DaemonSet node-agent: absent (the chart renders it only with deployNodeAgent: true; its default is false)');
    remedy(checks, 'Set `deployNodeAgent: true` in the Velero Helm values (chart default false) and re-render.');
    return;
  }
  const spec = podSpecOf(daemonSet);
  const containers = (spec.containers ?? []) as Array<{ name: string; volumeMounts?: Mount[]; args?: string[] }>;
  const container = containers.find((c) => c.name === 'node-agent') ?? containers[0];
  const mount = (container?.volumeMounts ?? []).find((m) => m.mountPath.replace(/\/+$/, '') === '/host_pods');
  const volume = mount ? ((spec.volumes ?? []) as Volume[]).find((v) => v.name === mount.name) : undefined;
  const where = `DaemonSet ${daemonSet.metadata.namespace ?? namespace}/node-agent`;
  if (!mount) {
    checks.problems.push(`${where} mounts nothing at /host_pods`);
    checks.evidence.push(`${where}: container ${container?.name ?? '(none)'} has no volumeMount at /host_pods`);
    remedy(checks, 'Remove `nodeAgent.disableHostPath: true` (or mount the kubelet pods directory at /host_pods): the node agent reads pod volumes through it.');
    return;
  }
  if (!volume?.hostPath?.path) {
    checks.problems.push(`${where}: /host_pods is volume ${mount.name}, which is not a hostPath`);
    checks.evidence.push(`${where}: volume ${mount.name} mounted at /host_pods is ${volume ? 'not a hostPath' : 'not defined'}`);
    remedy(checks, 'Mount the kubelet pods directory (hostPath, default /var/lib/kubelet/pods) at /host_pods, as the chart does by default.');
    return;
  }
  checks.evidence.push(`${where}: hostPath ${volume.hostPath.path} mounted at /host_pods (${mount.mountPropagation ?? 'no mountPropagation'})`);
  if (volume.hostPath.path.replace(/\/+$/, '') !== STANDARD_POD_VOLUME_PATH) {
    checks.warnings.push(`The node agent reads pod volumes from ${volume.hostPath.path}, not ${STANDARD_POD_VOLUME_PATH}: make sure that is this cluster's kubelet pods directory (docs/velero-facts.md §8: RKE and others differ).`);
  }
  if (mount.mountPropagation !== 'HostToContainer') {
    checks.warnings.push(`/host_pods is mounted without mountPropagation: HostToContainer (the chart's setting); volumes mounted after the agent started may be invisible to it.`);
  }
}

function checkUploader(checks: Checks, deployment: KubeObject | undefined, namespace: string): void {
  if (!deployment) {
    checks.problems.push(`no Deployment velero is rendered in namespace ${namespace}`);
    remedy(checks, 'Render the Velero chart (its Deployment is always named velero for release "velero").');
    return;
  }
  const flag = serverFlag(deployment, 'uploader-type');
  // Velero before 1.10 has no Kopia uploader and no --uploader-type flag: its file-system backup
  // is restic (Velero 1.10 release notes; chart 2.x renders no uploader flag).
  const image = parseImageRef(String(podSpecOf(deployment).containers?.[0]?.image ?? ''));
  const version = parseVersion(image.tag?.replace(/@.*$/, ''));
  if (flag === undefined && version && (version.major < 1 || (version.major === 1 && version.minor < 10))) {
    checks.evidence.push(`Deployment velero: image ${image.raw} — Velero v${version.major}.${version.minor} has no Kopia uploader (it came with 1.10)`);
    checks.problems.push(`Velero ${image.tag} backs pod volumes up with restic only: Kopia arrived in Velero 1.10`);
    remedy(checks, 'Upgrade to a chart release that ships Velero 1.10 or later and set `deployNodeAgent: true` (Kopia is the default uploader from chart 5.4.1).');
    return;
  }
  checks.evidence.push(`Deployment velero: --uploader-type=${flag ?? '(absent → kopia, the server default)'}`);
  if (flag !== undefined && flag !== 'kopia') {
    checks.problems.push(`the server runs with --uploader-type=${flag}`);
    remedy(checks, 'Set `configuration.uploaderType: kopia` (Velero 1.18 accepts only kopia; restic backups are disabled since 1.17).');
  }
}

function checkFsbDefault(checks: Checks, context: JudgeContext, deployment: KubeObject | undefined): void {
  const { state, plan } = context;
  const serverDefault = goBool(serverFlag(deployment, 'default-volumes-to-fs-backup')) ?? false;
  const schedules = inNamespace(state.objects.schedules, plan.namespace);
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

function judge(context: JudgeContext): Finding {
  const { state, plan } = context;
  if (!plan.deployNodeAgent) {
    return skip(ID, 'The plan sets deployNodeAgent: false, so file-system backup through the node agent is not expected.');
  }
  const checks = newChecks();
  const deployment = veleroDeployment(state, plan);
  checkNodeAgent(checks, nodeAgentDaemonSet(state, plan), plan.namespace);
  checkUploader(checks, deployment, plan.namespace);
  checkFsbDefault(checks, context, deployment);
  const from = provenance(state);
  const extra = { expected: EXPECTED, warnings: checks.warnings.length ? checks.warnings : undefined };
  if (checks.problems.length) {
    return fail(ID, `Kopia file-system backup is not enabled${from}: ${checks.problems.join('; ')}.`, checks.evidence, checks.remediation.join(' '), extra);
  }
  return pass(ID, `The node-agent DaemonSet is rendered with its pod-volume hostPath and the uploader is kopia${from}.`, checks.evidence, extra);
}

export const judgeFsbKopiaManifests = judge;
