import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { NODES, NS } from '../../fixtures/snapshots/homelab/constants.ts';
import { NODE_AGENT_PODS, VELERO_POD } from '../../fixtures/snapshots/homelab/velero-workloads.ts';
import { judgePodsRunning } from './dod-pods-running.ts';

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
});
