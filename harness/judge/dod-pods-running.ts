/**
 * dod.pods-running — plan: "`kubectl get pod -n velero` shows Running".
 *
 * Decided by the two long-running workloads, not by every pod in the namespace: the `velero`
 * Deployment and the `node-agent` DaemonSet (docs/velero-facts.md §5 fixed names). Transient data-mover pods
 * (label velero.io/pod-volume-backup) and repository maintenance Job pods come and go and may
 * legitimately be Completed or Pending (docs/velero-facts.md §8); they are listed but never decide.
 * Readiness follows Velero's own e2e install check (docs/velero-facts.md §10): Deployment
 * availableReplicas == replicas, DaemonSet numberAvailable == desiredNumberScheduled.
 *
 * On a paste a workload not shown is not missing (harness/judge/facts/listing.ts): a pods table
 * without the Deployment is judged by the pods it shows — every one Running and ready, since a
 * broken rollout next to an old Running pod is still broken — and a workload shown neither way is
 * "not shown" (a warning), never a failure.
 */
import type { KubeObject, State } from '../state.ts';
import type { BackupPlan } from '../plan.ts';
import { fail, pass, skip, type Judge } from './types.ts';
import { listedInFull } from './facts/listing.ts';
import { inNamespace } from './facts/object-access.ts';
import { NODE_AGENT_DAEMONSET, VELERO_DEPLOYMENT } from './facts/velero-names.ts';
import {
  failIfVeleroAbsent,
  isNodeAgentPod,
  isVeleroServerPod,
  nodeAgentDaemonSet,
  podStatusLine,
  shownPodStatus,
  shownPodsReadiness,
  transientPodReason,
  veleroDeployment,
  workloadPods,
} from './facts/workloads.ts';

const ID = 'dod.pods-running' as const;
const EXPECTED = 'Plan: "`kubectl get pod -n velero` shows Running" — the velero Deployment is available and the node-agent DaemonSet is ready on every scheduled node.';

interface WorkloadVerdict {
  ok: boolean;
  evidence: string[];
  problem?: string;
  /** The workload's state is not shown in this evidence (a paste that shows neither it nor its pods): why. */
  notShown?: string;
  /** Decided by the pods shown rather than by the workload's counters. */
  byPods?: boolean;
}

/** A workload a paste shows only through its pods (harness/judge/facts/workloads.ts `shownPodsReadiness`). */
function judgeShownPods(pods: KubeObject[], what: string): WorkloadVerdict {
  const evidence = pods.map((pod) => `${podStatusLine(pod)}${pod.status?.shownStatus ? ` (shown as ${pod.status.shownStatus})` : ''}`);
  const { current, broken } = shownPodsReadiness(pods);
  if (pods.length === 0) return { ok: true, evidence: [`${what}: neither its workload nor its pods are shown`], notShown: `the ${what} is not shown (neither its workload nor its pods)` };
  if (current.length === 0) return { ok: true, evidence, notShown: `only finished ${what} pods are shown` };
  if (broken.length > 0) return { ok: false, evidence, byPods: true, problem: `the ${what} pod${broken.length > 1 ? 's' : ''} ${broken.map((pod) => `${pod.metadata.name} is ${shownPodStatus(pod)}`).join(', ')}` };
  return { ok: true, evidence: [...evidence, `${what}: ${current.length} pod(s) shown, all Running and ready (its ${what === 'node-agent' ? 'DaemonSet' : 'Deployment'} is not shown)`], byPods: true };
}

function judgeServer(state: State, plan: BackupPlan): WorkloadVerdict {
  const deployment = veleroDeployment(state, plan);
  if (deployment || listedInFull(state, 'deployments')) return judgeDeployment(deployment, plan.namespace);
  return judgeShownPods(inNamespace(state.objects.pods, plan.namespace).filter(isVeleroServerPod), 'velero server');
}

function judgeAgent(state: State, plan: BackupPlan): WorkloadVerdict {
  const daemonSet = nodeAgentDaemonSet(state, plan);
  if (daemonSet || listedInFull(state, 'daemonSets') || !plan.deployNodeAgent) return judgeDaemonSet(daemonSet, plan.namespace, plan.deployNodeAgent);
  return judgeShownPods(inNamespace(state.objects.pods, plan.namespace).filter((pod) => isNodeAgentPod(pod, plan)), 'node-agent');
}

function judgeDeployment(deployment: KubeObject | undefined, namespace: string): WorkloadVerdict {
  if (!deployment) return { ok: false, evidence: [`Deployment ${VELERO_DEPLOYMENT}: not found in namespace ${namespace}`], problem: `the ${VELERO_DEPLOYMENT} Deployment is missing` };
  const desired = Number(deployment.spec?.replicas ?? 1);
  const available = Number(deployment.status?.availableReplicas ?? 0);
  const ready = Number(deployment.status?.readyReplicas ?? 0);
  const condition = (deployment.status?.conditions ?? []).find((candidate: { type: string }) => candidate.type === 'Available');
  const conditionText = condition ? `${condition.status}${condition.reason ? ` (${condition.reason})` : ''}` : '(absent)';
  const line = `Deployment ${VELERO_DEPLOYMENT}: replicas=${desired}, readyReplicas=${ready}, availableReplicas=${available}, condition Available=${conditionText}`;
  // An explicit Available=False outranks the counters; a missing condition (an object written
  // without one) leaves the decision to the counters.
  const conditionFalse = condition !== undefined && condition.status !== 'True';
  const ok = desired > 0 && available >= desired && !conditionFalse;
  const problem =
    desired === 0
      ? `the ${VELERO_DEPLOYMENT} Deployment is scaled to 0`
      : ok
        ? undefined
        : conditionFalse && available >= desired
          ? `the ${VELERO_DEPLOYMENT} Deployment reports Available=${conditionText}`
          : `the ${VELERO_DEPLOYMENT} Deployment has ${available}/${desired} replicas available`;
  return { ok, evidence: [line], problem };
}

function judgeDaemonSet(daemonSet: KubeObject | undefined, namespace: string, required: boolean): WorkloadVerdict {
  if (!daemonSet) {
    return required
      ? { ok: false, evidence: [`DaemonSet ${NODE_AGENT_DAEMONSET}: not found in namespace ${namespace}`], problem: `the ${NODE_AGENT_DAEMONSET} DaemonSet is missing (plan: deployNodeAgent: true)` }
      : { ok: true, evidence: [`DaemonSet ${NODE_AGENT_DAEMONSET}: not deployed (not required: plan deployNodeAgent is false)`] };
  }
  const status = daemonSet.status ?? {};
  const desired = Number(status.desiredNumberScheduled ?? 0);
  const available = Number(status.numberAvailable ?? 0);
  const ready = Number(status.numberReady ?? 0);
  const line = `DaemonSet ${NODE_AGENT_DAEMONSET}: desiredNumberScheduled=${desired}, numberReady=${ready}, numberAvailable=${available}`;
  if (!required) return { ok: true, evidence: [`${line} (not required: plan deployNodeAgent is false)`] };
  const ok = desired > 0 && available === desired && ready === desired;
  const problem = desired === 0 ? `the ${NODE_AGENT_DAEMONSET} DaemonSet is scheduled on no node` : ok ? undefined : `the ${NODE_AGENT_DAEMONSET} DaemonSet has ${available}/${desired} pods available`;
  return { ok, evidence: [line], problem };
}

export const judgePodsRunning: Judge = ({ state, plan }) => {
  const absent = failIfVeleroAbsent(ID, state, plan, EXPECTED);
  if (absent) return absent;
  const deployment = veleroDeployment(state, plan);
  const daemonSet = nodeAgentDaemonSet(state, plan);
  const server = judgeServer(state, plan);
  const agent = judgeAgent(state, plan);

  const workloadPodLines = [deployment, daemonSet].filter((workload): workload is KubeObject => !!workload).flatMap((workload) => workloadPods(state, workload).map(podStatusLine));
  const transient = inNamespace(state.objects.pods, plan.namespace)
    .map((pod) => ({ pod, reason: transientPodReason(pod) }))
    .filter((entry) => entry.reason);
  const transientLine = transient.length
    ? [`Not judged (transient, docs/velero-facts.md §8): ${transient.map((entry) => `${entry.pod.metadata.name} [${entry.reason}, ${entry.pod.status?.phase ?? 'no phase'}]`).join('; ')}`]
    : [];
  const evidence = [...server.evidence, ...agent.evidence, ...workloadPodLines, ...transientLine];

  const problems = [server.problem, agent.problem].filter((problem): problem is string => !!problem);
  if (problems.length === 0) {
    if (server.notShown) return { ...skip(ID, `Not shown in this evidence: ${server.notShown}, so whether Velero runs cannot be told.`, evidence), expected: EXPECTED };
    if (agent.notShown) {
      return pass(ID, `The Velero server is running in ${plan.namespace}; the node-agent is not shown in this evidence`, evidence, {
        expected: EXPECTED,
        warnings: [`Not shown in this evidence: ${agent.notShown}; whether it runs is not judged.`],
      });
    }
    return pass(ID, `Velero server and node-agent are running in ${plan.namespace}`, evidence, { expected: EXPECTED });
  }
  const remediation = [
    `Inspect the workloads: kubectl -n ${plan.namespace} get deploy/${VELERO_DEPLOYMENT} ds/${NODE_AGENT_DAEMONSET} -o wide; kubectl -n ${plan.namespace} describe pod -l name=velero; kubectl -n ${plan.namespace} logs deploy/${VELERO_DEPLOYMENT}.`,
    server.byPods || agent.byPods
      ? `Read why a pod does not start: kubectl -n ${plan.namespace} describe pod <pod> (events, init containers: a plugin image that cannot be pulled or crashes) and kubectl -n ${plan.namespace} logs <pod> --previous (the server's fatal "An error occurred: …" line).`
      : '',
    !daemonSet && plan.deployNodeAgent && listedInFull(state, 'daemonSets') ? 'Set deployNodeAgent: true in the Helm values (the chart default is false) and re-deploy.' : '',
    'Typical causes: image pull errors (pin an existing velero/velero-plugin-for-aws tag), the credentials Secret missing, Pod Security Admission rejecting the node-agent hostPath mounts (label the namespace privileged).',
  ]
    .filter(Boolean)
    .join(' ');
  return fail(ID, `Velero is not running: ${problems.join('; ')}`, evidence, remediation, { expected: EXPECTED });
};
