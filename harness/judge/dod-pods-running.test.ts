import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { NODES, NS } from '../../fixtures/snapshots/homelab/constants.ts';
import { NODE_AGENT_PODS, VELERO_POD } from '../../fixtures/snapshots/homelab/velero-workloads.ts';
import { judgePodsRunning } from './dod-pods-running.ts';
import { judgeItem } from './index.ts';
import { parsePlan } from '../plan.ts';
import { collectSnapshot } from '../targets/snapshot.ts';

/** dod.pods-running as `--snapshot` judges a pasted text (a stranger's cluster: `expect: false`). */
async function judgePaste(text: string) {
  const plan = parsePlan({ expect: false });
  const state = await collectSnapshot('-', plan, { stdinText: text, label: 'paste' });
  expect(state.evidence?.mode).toBe('paste');
  return judgeItem('dod.pods-running', { state, plan, target: 'snapshot', now: new Date(0) });
}

const PODS_HEADER = 'NAME                          READY   STATUS                  RESTARTS   AGE';

describe('dod.pods-running', () => {
  it('passes on the healthy capture and lists the workload pods with phase and readiness', () => {
    const finding = judgePodsRunning(contextOf(Capture.healthy()));
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain(`Pod ${VELERO_POD} (node ${NODES.controlPlane}): phase=Running, ready=1/1, restarts=0`);
    expect(finding.evidence.filter((line) => line.startsWith('Pod '))).toHaveLength(3);
    expect(finding.evidence.find((line) => line.startsWith('Not judged'))).toMatch(/maintain-job.*job pod, Succeeded/);
  });

  it('fails "Velero is not installed" when there is no velero Deployment and no Velero object', () => {
    const capture = Capture.healthy().remove((object) => object.metadata.namespace === NS || object.apiVersion.startsWith('velero.io/'));
    const finding = judgePodsRunning(contextOf(capture));
    expect(finding).toMatchObject({ status: 'fail', summary: 'Velero is not installed' });
    expect(finding.remediation).toMatch(/helm upgrade --install velero/);
  });

  it('fails when the Deployment is missing although Velero objects exist', () => {
    const capture = Capture.healthy().remove((object) => object.kind === 'Deployment' && object.metadata.name === 'velero');
    const finding = judgePodsRunning(contextOf(capture));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/velero Deployment is missing/);
  });

  it('fails when the Deployment is scaled to 0 even though 0 == 0', () => {
    const capture = Capture.healthy();
    const deployment = capture.find('Deployment', 'velero');
    deployment.spec.replicas = 0;
    deployment.status = { observedGeneration: 2 };
    expect(judgePodsRunning(contextOf(capture)).summary).toMatch(/scaled to 0/);
  });

  it('fails when the Available condition is False even if the counters look fine', () => {
    const capture = Capture.healthy();
    capture.find('Deployment', 'velero').status.conditions[0].status = 'False';
    expect(judgePodsRunning(contextOf(capture)).status).toBe('fail');
  });

  it('fails when node-agent is scheduled on no node (desired 0)', () => {
    const capture = Capture.healthy();
    capture.find('DaemonSet', 'node-agent').status = { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 };
    const finding = judgePodsRunning(contextOf(capture));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/scheduled on no node/);
  });

  it('does not require node-agent when the plan does not deploy it', () => {
    const capture = Capture.healthy().remove((object) => object.kind === 'DaemonSet' || String(object.metadata.name).startsWith('node-agent-'));
    expect(judgePodsRunning(contextOf(capture)).status).toBe('fail');
    const finding = judgePodsRunning(contextOf(capture, { plan: { deployNodeAgent: false } }));
    expect(finding.status).toBe('pass');
    expect(finding.evidence.join('\n')).toMatch(/not required: plan deployNodeAgent is false/);
  });

  it('ignores a crash-looping data-mover pod: only the two workloads decide', () => {
    const capture = Capture.healthy();
    const mover = structuredClone(capture.find('Pod', NODE_AGENT_PODS[NODES.worker]));
    mover.metadata.name = 'verification-test-abcde';
    mover.metadata.labels = { 'velero.io/pod-volume-backup': 'verification-test-abcde' };
    mover.metadata.ownerReferences = [{ apiVersion: 'velero.io/v1', kind: 'PodVolumeBackup', name: 'verification-test-abcde', uid: 'x' }];
    mover.status.phase = 'Failed';
    capture.add(mover);
    const finding = judgePodsRunning(contextOf(capture));
    expect(finding.status).toBe('pass');
    expect(finding.evidence.join('\n')).toMatch(/verification-test-abcde \[data-mover pod, Failed\]/);
  });

  describe('on a paste, a workload not shown is not missing', () => {
    it('a pods table without the Deployment: judged by the pods shown, server and node-agent', async () => {
      const finding = await judgePaste(['$ kubectl -n velero get pods', PODS_HEADER, 'velero-6b7c9d8f4-x2k4q       1/1     Running                 0          2d', 'node-agent-abcde             1/1     Running                 0          2d'].join('\n'));
      expect(finding).toMatchObject({ status: 'pass', summary: 'Velero server and node-agent are running in velero' });
      expect(finding.evidence.join('\n')).toMatch(/velero server: 1 pod\(s\) shown, all Running and ready \(its Deployment is not shown\)/);
      expect(finding.evidence.join('\n')).not.toMatch(/missing|not found/);
    });

    it('a broken rollout next to an old Running pod fails, naming the pod and its status as shown', async () => {
      const finding = await judgePaste(['$ kubectl -n velero get pods', PODS_HEADER, 'velero-84787d6799-abcde      1/1     Running                 0          9d', 'velero-57cfdf6bc5-8m9ts      0/1     Init:CrashLoopBackOff   5          4m'].join('\n'));
      expect(finding.status).toBe('fail');
      expect(finding.summary).toBe('Velero is not running: the velero server pod velero-57cfdf6bc5-8m9ts is Init:CrashLoopBackOff');
      expect(finding.remediation).toMatch(/describe pod <pod> \(events, init containers/);
    });

    it('the server pod alone passes and says the node-agent is not shown (a warning, not a failure)', async () => {
      const finding = await judgePaste(['$ kubectl -n velero get pods', PODS_HEADER, 'velero-6b7c9d8f4-x2k4q       1/1     Running                 0          2d'].join('\n'));
      expect(finding).toMatchObject({ status: 'pass', summary: 'The Velero server is running in velero; the node-agent is not shown in this evidence' });
      expect(finding.warnings).toEqual(['Not shown in this evidence: the node-agent is not shown (neither its workload nor its pods); whether it runs is not judged.']);
    });

    it('a crash-looping node-agent pod shown fails the item, as its DaemonSet would on a cluster', async () => {
      const finding = await judgePaste(['$ kubectl -n velero get pods', PODS_HEADER, 'velero-6b7c9d8f4-x2k4q       1/1     Running                 0          2d', 'node-agent-abcde             0/1     CrashLoopBackOff        7          2d'].join('\n'));
      expect(finding.status).toBe('fail');
      expect(finding.summary).toBe('Velero is not running: the node-agent pod node-agent-abcde is CrashLoopBackOff');
    });

    it('a pasted Deployment decides by its counters', async () => {
      const finding = await judgePaste(['$ kubectl -n velero get deploy', 'NAME     READY   UP-TO-DATE   AVAILABLE   AGE', 'velero   0/1     1            0           5m'].join('\n'));
      expect(finding.status).toBe('fail');
      expect(finding.summary).toBe('Velero is not running: the velero Deployment has 0/1 replicas available');
    });

    it('a Deployments table printed with its header and no rows shows the Deployment missing, not Velero uninstalled', async () => {
      // The table lists Deployments in full; the other Velero kinds are not listed, so "not installed" is not shown.
      const finding = await judgePaste(['$ kubectl -n velero get deploy', 'NAME     READY   UP-TO-DATE   AVAILABLE   AGE'].join('\n'));
      expect(finding.status).toBe('fail');
      expect(finding.summary).toBe('Velero is not running: the velero Deployment is missing');
    });

    it('only finished server pods shown: whether Velero runs is not shown', async () => {
      const finding = await judgePaste(['$ kubectl -n velero get pods', PODS_HEADER, 'velero-6b7c9d8f4-x2k4q       0/1     Completed               0          2d'].join('\n'));
      expect(finding.status).toBe('skip');
      expect(finding.summary).toBe('Not shown in this evidence: only finished velero server pods are shown, so whether Velero runs cannot be told.');
    });
  });
});
