/**
 * Velero's workloads in a State: the velero Deployment and the node-agent DaemonSet, their pods, and the server flags the chart renders (docs/velero-facts.md §5).
 * Pure: no I/O and no clock (times are compared against the `now` a judge receives).
 */
import { parseGoDuration } from '../../duration.ts';
import { type BackupPlan, expects } from '../../plan.ts';
import type { ItemId } from '../../catalog.ts';
import type { KubeObject, State } from '../../state.ts';
import { fail, type Finding } from '../types.ts';
import { LABELS, NODE_AGENT_DAEMONSET, VELERO_CONTAINER, VELERO_DEPLOYMENT } from './velero-names.ts';
import { findNamed, inNamespace } from './object-access.ts';
import { inferOwner } from '../../evidence/tables.ts';
import { listedInFull } from './listing.ts';

const VELERO_PRESENCE_KINDS = ['deployments', 'backupStorageLocations', 'backups', 'schedules', 'backupRepositories', 'podVolumeBackups'] as const;

export function veleroDeployment(state: State, plan: BackupPlan): KubeObject | undefined {
  return findNamed(state.objects.deployments, plan.namespace, VELERO_DEPLOYMENT);
}

export function nodeAgentDaemonSet(state: State, plan: BackupPlan): KubeObject | undefined {
  // Before Velero 1.10 the node agent was the `restic` DaemonSet; without the plan's Kopia expectation it counts.
  return findNamed(state.objects.daemonSets, plan.namespace, NODE_AGENT_DAEMONSET) ?? (expects(plan, 'uploader') ? undefined : findNamed(state.objects.daemonSets, plan.namespace, 'restic'));
}

/**
 * No velero Deployment and no Velero objects at all: Velero was never installed here. Said only
 * when the input lists all those kinds in full (facts/listing.ts): a paste that shows none of
 * them, or only an empty Deployments table, does not show that Velero is absent.
 */
function veleroAbsent(state: State, plan: BackupPlan): boolean {
  if (!VELERO_PRESENCE_KINDS.every((kind) => listedInFull(state, kind))) return false;
  const objects = state.objects;
  const veleroObjects =
    objects.backupStorageLocations.length + objects.backups.length + objects.schedules.length + objects.backupRepositories.length + objects.podVolumeBackups.length;
  return !veleroDeployment(state, plan) && veleroObjects === 0 && state.veleroInstalled !== true;
}

const VELERO_NOT_INSTALLED_REMEDIATION =
  'Install Velero into the namespace the plan names (helm upgrade --install velero vmware-tanzu/velero -n velero --create-namespace -f values.yaml, chart 12.1.0), or set "namespace" in velero-verify.yaml to the namespace Velero runs in.';

/** The common failure of every live item when Velero is absent; undefined when it is installed. */
export function failIfVeleroAbsent(id: ItemId, state: State, plan: BackupPlan, expected: string): Finding | undefined {
  if (!veleroAbsent(state, plan)) return undefined;
  return fail(id, 'Velero is not installed', [`No ${VELERO_DEPLOYMENT} Deployment and no Velero objects in namespace ${plan.namespace}`], VELERO_NOT_INSTALLED_REMEDIATION, { expected });
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector || (!selector.matchLabels && !selector.matchExpressions)) return false; // an empty selector matches nothing useful here
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const has = expression.key in labels;
    const value = labels[expression.key];
    const values = expression.values ?? [];
    if (expression.operator === 'In' && !(has && values.includes(value))) return false;
    if (expression.operator === 'NotIn' && has && values.includes(value)) return false;
    if (expression.operator === 'Exists' && !has) return false;
    if (expression.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const TRANSIENT_OWNER_KINDS = new Set(['Job', 'PodVolumeBackup', 'PodVolumeRestore', 'DataUpload', 'DataDownload']);

/**
 * Why a pod in the Velero namespace is transient, or undefined for a long-running pod.
 * docs/velero-facts.md §8: data-mover pods (label velero.io/pod-volume-backup …) live for one volume backup;
 * repository maintenance runs as Jobs whose completed pods stay around.
 */
export function transientPodReason(pod: KubeObject): string | undefined {
  const labels = pod.metadata.labels ?? {};
  if (labels[LABELS.podVolumeBackup] || labels[LABELS.podVolumeRestore] || labels[LABELS.dataUpload] || labels[LABELS.dataDownload]) {
    return 'data-mover pod';
  }
  if (labels[LABELS.repoName]) return 'repository maintenance job pod';
  const owner = pod.metadata.ownerReferences?.find((reference) => TRANSIENT_OWNER_KINDS.has(reference.kind));
  if (owner) return owner.kind === 'Job' ? 'job pod' : 'data-mover pod';
  return undefined;
}

/**
 * Whether `pod` belongs to `workload`: a DaemonSet owns its pods directly, a Deployment through
 * a ReplicaSet named `<deployment>-<hash>`. Pods without owner references (rendered or trimmed
 * input) fall back to the selector alone. The chart's velero and node-agent pods share
 * app.kubernetes.io/* labels, so the selector alone could mix them up.
 */
function ownedBy(pod: KubeObject, workload: KubeObject): boolean {
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length === 0) return true;
  const name = workload.metadata.name;
  return owners.some((owner) =>
    workload.kind === 'Deployment' ? owner.kind === 'ReplicaSet' && owner.name.startsWith(`${name}-`) : owner.kind === workload.kind && owner.name === name,
  );
}

/** The long-running pods of a Deployment or DaemonSet (selector and owner match, transient pods left out). */
export function workloadPods(state: State, workload: KubeObject): KubeObject[] {
  const namespace = workload.metadata.namespace ?? state.namespace;
  return inNamespace(state.objects.pods, namespace)
    .filter((pod) => selectorMatches(workload.spec?.selector, pod.metadata.labels) && ownedBy(pod, workload))
    .filter((pod) => !transientPodReason(pod));
}

/**
 * Pods of the Velero server, recognised without their Deployment (a pasted pods table shows no
 * Deployment): the chart's labels, or the name a table row carries (harness/evidence/tables.ts
 * `inferOwner` gives table pods those labels; a pod pasted as YAML without labels is named the same way).
 */
export function isVeleroServerPod(pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? inferOwner(pod.metadata.name)?.labels ?? {};
  // `velero install` labels the server pods deploy=velero, the chart name=velero; both label every
  // object component=velero (the node agent's pods too), so that label does not tell them apart.
  return labels.deploy === VELERO_DEPLOYMENT || labels.name === VELERO_DEPLOYMENT;
}

/**
 * Pods of the node agent (`node-agent`, or `restic` before Velero 1.10), recognised without their
 * DaemonSet; with a plan that expects Kopia, a restic pod is not its node agent.
 */
export function isNodeAgentPod(pod: KubeObject, plan?: BackupPlan): boolean {
  const name = (pod.metadata.labels ?? inferOwner(pod.metadata.name)?.labels ?? {}).name;
  return name === NODE_AGENT_DAEMONSET || (name === 'restic' && !(plan && expects(plan, 'uploader')));
}

/** A pod's status as a table printed it ("Init:CrashLoopBackOff", harness/evidence/tables.ts), else its phase. */
export function shownPodStatus(pod: KubeObject): string {
  return String(pod.status?.shownStatus ?? pod.status?.phase ?? '(no phase)');
}

/**
 * The pods a paste shows of a workload whose own object (Deployment, DaemonSet) it does not show:
 * those not finished, and those of them not Running and ready. Every current pod counts, since a
 * broken rollout next to an old Running pod is still broken.
 */
export function shownPodsReadiness(pods: KubeObject[]): { current: KubeObject[]; broken: KubeObject[] } {
  const current = pods.filter((pod) => pod.status?.phase !== 'Succeeded' && !transientPodReason(pod));
  return { current, broken: current.filter((pod) => !isPodRunningAndReady(pod)) };
}

function podCondition(pod: KubeObject, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return (pod.status?.conditions as Array<{ type: string; status?: string }> | undefined)?.find((condition) => condition.type === type);
}

export function isPodRunningAndReady(pod: KubeObject): boolean {
  return pod.status?.phase === 'Running' && podCondition(pod, 'Ready')?.status === 'True';
}

/** "Pod velero-6b7c9-x2k4q (node homelab-cp): phase=Running, ready=1/1, restarts=0". */
export function podStatusLine(pod: KubeObject): string {
  const statuses = (pod.status?.containerStatuses ?? []) as Array<{ ready?: boolean; restartCount?: number; state?: Record<string, { reason?: string }> }>;
  const ready = statuses.filter((status) => status.ready).length;
  const restarts = statuses.reduce((sum, status) => sum + (status.restartCount ?? 0), 0);
  const waiting = statuses.map((status) => status.state?.waiting?.reason ?? status.state?.terminated?.reason).filter(Boolean);
  const node = pod.spec?.nodeName ? ` (node ${pod.spec.nodeName})` : '';
  const reasons = waiting.length ? `, waiting: ${waiting.join(', ')}` : '';
  return `Pod ${pod.metadata.name}${node}: phase=${pod.status?.phase ?? '(none)'}, ready=${ready}/${statuses.length || (pod.spec?.containers?.length ?? 0)}, restarts=${restarts}${reasons}`;
}

export function veleroServerContainer(deployment: KubeObject | undefined): any | undefined {
  const containers = (deployment?.spec?.template?.spec?.containers ?? []) as Array<{ name: string }>;
  return containers.find((container) => container.name === VELERO_CONTAINER) ?? containers[0];
}

/**
 * The value of a `velero server` flag on the Deployment: the string after `=` (or the next
 * argument), 'true' for a bare boolean flag, undefined when absent.
 */
export function serverFlag(deployment: KubeObject | undefined, flag: string): string | undefined {
  const container = veleroServerContainer(deployment);
  if (!container) return undefined;
  const args: string[] = [...(container.command ?? []), ...(container.args ?? [])].map(String);
  const name = flag.startsWith('--') ? flag : `--${flag}`;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    if (arg === name) {
      const next = args[index + 1];
      return next !== undefined && !next.startsWith('-') ? next : 'true';
    }
  }
  return undefined;
}

/** Go's strconv.ParseBool truthy spellings (Velero and the AWS plugin parse flags and config with it). */
export function goBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** `--default-volumes-to-fs-backup` on the server (the chart renders it when the value is truthy, docs/velero-facts.md §5). */
export function serverDefaultVolumesToFsBackup(state: State, plan: BackupPlan): boolean {
  return goBool(serverFlag(veleroDeployment(state, plan), 'default-volumes-to-fs-backup')) ?? false;
}

/** `--default-backup-ttl` on the server, else the code default 720h (docs/velero-facts.md §3). */
export function serverDefaultBackupTtl(state: State, plan: BackupPlan): { text: string; ms: number; source: string } {
  const flag = serverFlag(veleroDeployment(state, plan), 'default-backup-ttl');
  const ms = flag !== undefined ? parseGoDuration(flag) : undefined;
  if (flag !== undefined && ms !== undefined) return { text: flag, ms, source: `server flag --default-backup-ttl=${flag}` };
  return { text: '720h', ms: 720 * 3_600_000, source: 'Velero\'s default TTL 720h (docs/velero-facts.md §3)' };
}

/** The pod spec of a Deployment or DaemonSet. */
export function podSpecOf(workload: KubeObject | undefined): any {
  return workload?.spec?.template?.spec ?? {};
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name?: string; key?: string } };
}
