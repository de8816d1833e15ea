/**
 * beyond.node-agent-admitted — plan: "Kopia/FSB enabled (`deployNodeAgent: true`)".
 *
 * The node agent mounts the kubelet's pod and plugin directories as hostPath volumes. Pod Security
 * admission refuses such pods in a namespace that enforces `baseline` or `restricted`, so a
 * DaemonSet rendered perfectly never gets a pod — or keeps the pods it had before the label was
 * set, until the next one has to be created (docs/velero-facts.md, "Pod Security admission and
 * the node agent"). Decided from, in this order:
 * - the API server's refusals (FailedCreate events "violates PodSecurity"), when shown;
 * - the enforce level the namespace will have: the label a `label-namespace` hook Job of the chart
 *   sets, else the Namespace's own label;
 * - without an enforce label, the cluster default decides, which no input shows: a DaemonSet whose
 *   pods are all ready proves they were admitted; otherwise the item is not shown.
 */
import type { KubeObject } from '../state.ts';
import { fail, pass, skip, type Judge } from './types.ts';
import { inNamespace, oneLine } from './facts/object-access.ts';
import { nodeAgentDaemonSet, podSpecOf } from './facts/workloads.ts';

const ID = 'beyond.node-agent-admitted' as const;
const EXPECTED = 'Plan: "Kopia/FSB enabled (`deployNodeAgent: true`)" — the Velero namespace\'s Pod Security level admits the node agent\'s pods (hostPath volumes need `privileged`).';
const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
type Level = (typeof LEVELS)[number];

/** What `baseline` forbids in a pod spec that the node agent may have (restricted forbids it too). */
function baselineViolations(podSpec: any): string[] {
  const found: string[] = [];
  const hostPaths = ((podSpec.volumes ?? []) as Array<{ name?: string; hostPath?: unknown }>).filter((volume) => volume.hostPath).map((volume) => volume.name ?? '?');
  if (hostPaths.length) found.push(`hostPath volumes (${hostPaths.join(', ')})`);
  const containers = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])] as Array<{ name?: string; securityContext?: { privileged?: boolean } }>;
  const privileged = containers.filter((container) => container.securityContext?.privileged === true).map((container) => container.name ?? '?');
  if (privileged.length) found.push(`privileged containers (${privileged.join(', ')})`);
  const hostNamespaces = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((field) => podSpec[field] === true);
  if (hostNamespaces.length) found.push(`host namespaces (${hostNamespaces.join(', ')})`);
  return found;
}

/** The labels a chart `label-namespace` hook Job applies to `namespace` (`kubectl label namespace <ns> k=v …`). */
function labelsFromHookJobs(jobs: KubeObject[], namespace: string): { labels: Record<string, string>; job?: string } {
  for (const job of jobs) {
    for (const container of (podSpecOf(job).containers ?? []) as Array<{ args?: unknown[] }>) {
      const args = (container.args ?? []).map(String);
      if (args[0] !== 'label' || args[1] !== 'namespace' || args[2] !== namespace) continue;
      const labels: Record<string, string> = {};
      for (const arg of args.slice(3)) {
        const at = arg.indexOf('=');
        if (at > 0) labels[arg.slice(0, at)] = arg.slice(at + 1);
      }
      return { labels, job: job.metadata.name };
    }
  }
  return { labels: {} };
}

/** FailedCreate events of the node-agent DaemonSet that Pod Security admission caused. */
function podSecurityRefusals(events: KubeObject[], namespace: string, daemonSet: string): KubeObject[] {
  return inNamespace(events, namespace).filter((event) => {
    const involved = (event as { involvedObject?: { kind?: string; name?: string } }).involvedObject;
    const message = String((event as { message?: unknown }).message ?? '');
    return (event as { reason?: unknown }).reason === 'FailedCreate' && involved?.kind === 'DaemonSet' && involved.name === daemonSet && /violates PodSecurity/.test(message);
  });
}

export const judgeNodeAgentAdmitted: Judge = ({ state, plan }) => {
  if (!plan.deployNodeAgent) return skip(ID, 'The plan sets deployNodeAgent: false, so the node agent is not expected.');
  const daemonSet = nodeAgentDaemonSet(state, plan);
  if (!daemonSet) return skip(ID, `Not shown: no node-agent DaemonSet in namespace ${plan.namespace} (must.fsb-kopia judges its absence).`);
  const where = `DaemonSet ${plan.namespace}/${daemonSet.metadata.name}`;
  const violations = baselineViolations(podSpecOf(daemonSet));
  const evidence = [`${where}: ${violations.length ? `needs the privileged level: ${violations.join('; ')}` : 'nothing the baseline level forbids'}`];
  const remediation = `Label the namespace for the node agent: set \`namespace.labels: {${ENFORCE_LABEL}: privileged}\` in the Velero Helm values (the chart's label-namespace hook applies it), or run kubectl label namespace ${plan.namespace} ${ENFORCE_LABEL}=privileged --overwrite; then delete the DaemonSet's failed pods or wait for the controller to retry.`;

  const refusals = podSecurityRefusals(state.objects.events, plan.namespace, daemonSet.metadata.name);
  if (refusals.length) {
    const message = oneLine((refusals[0] as { message?: unknown }).message);
    evidence.push(`Event FailedCreate on ${where} (${refusals.length}×): ${message}`);
    return fail(ID, `Pod Security admission refuses the node agent's pods: ${message}`, evidence, remediation, { expected: EXPECTED });
  }

  const namespace = state.objects.namespaces.find((object) => object.metadata.name === plan.namespace);
  const hook = labelsFromHookJobs(inNamespace(state.objects.jobs, plan.namespace), plan.namespace);
  const hookLevel = hook.labels[ENFORCE_LABEL];
  const namespaceLevel = namespace?.metadata.labels?.[ENFORCE_LABEL];
  const level = hookLevel ?? namespaceLevel;
  if (hookLevel !== undefined) evidence.push(`Job ${hook.job} (the chart's label-namespace hook) labels namespace ${plan.namespace} ${ENFORCE_LABEL}=${hookLevel}`);
  if (namespace) evidence.push(`Namespace ${plan.namespace}: ${namespaceLevel === undefined ? `no ${ENFORCE_LABEL} label` : `${ENFORCE_LABEL}=${namespaceLevel}`}`);

  if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) {
    return skip(ID, `Not shown: namespace ${plan.namespace} has ${ENFORCE_LABEL}=${level}, which is not a Pod Security level (privileged, baseline, restricted); what the API server makes of it is not shown.`, evidence);
  }
  if (level === 'baseline' || level === 'restricted') {
    if (violations.length === 0) return pass(ID, `Namespace ${plan.namespace} enforces ${level}, and the node agent asks for nothing it forbids`, evidence, { expected: EXPECTED });
    const status = daemonSet.status ?? {};
    const running = Number(status.numberReady ?? 0) > 0 ? ` Its ${status.numberReady} ready pod(s) were created before the label and keep running; the next pod it needs (a new node, an eviction, an upgrade) is refused.` : '';
    return fail(ID, `Namespace ${plan.namespace} enforces Pod Security "${level as Level}", which forbids the node agent's ${violations.join(' and ')}: the API server refuses its pods.${running}`, evidence, remediation, { expected: EXPECTED });
  }
  if (level === 'privileged') return pass(ID, `Namespace ${plan.namespace} enforces Pod Security "privileged": the node agent's pods are admitted`, evidence, { expected: EXPECTED });

  // No enforce label: the API server's default level decides, and no input shows it.
  const status = daemonSet.status;
  const desired = Number(status?.desiredNumberScheduled ?? 0);
  if (status && desired > 0 && Number(status.numberReady ?? 0) === desired) {
    evidence.push(`${where}: ${status.numberReady}/${desired} pods ready`);
    return pass(ID, `The node agent's pods were admitted (${status.numberReady}/${desired} ready) under the cluster's default Pod Security level`, evidence, {
      expected: EXPECTED,
      warnings: [`Namespace ${plan.namespace} sets no ${ENFORCE_LABEL} label: if the cluster's default level ever becomes baseline, new node-agent pods are refused. Label it privileged to keep it explicit.`],
    });
  }
  const namespaceText = namespace ? `namespace ${plan.namespace} sets no ${ENFORCE_LABEL} label` : `no Namespace ${plan.namespace} is in the input`;
  return skip(ID, `Not shown: ${namespaceText}, so the cluster's default Pod Security level decides whether the node agent's hostPath volumes are admitted, and the input does not show it.`, evidence);
};
