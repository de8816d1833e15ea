import { afterAll, describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { MANUAL_BACKUP, NODES } from '../../fixtures/snapshots/homelab/constants.ts';
import { PAPERLESS_POD } from '../../fixtures/snapshots/homelab/paperless.ts';
import { NODE_AGENT_PODS } from '../../fixtures/snapshots/homelab/velero-workloads.ts';
import { findDoc, judgeRendered, removeRenderedDirs } from '../../fixtures/manifests/one-change.ts';
import { judgeFsbKopia } from './must-fsb-kopia.ts';
import { judgeItem } from './index.ts';
import { parsePlan } from '../plan.ts';
import { collectSnapshot } from '../targets/snapshot.ts';

/** must.fsb-kopia as `--snapshot` judges a pasted text. */
async function judgePaste(text: string, plan = parsePlan({ expect: false })) {
  const state = await collectSnapshot('-', plan, { stdinText: text, label: 'paste' });
  expect(state.evidence?.mode).toBe('paste');
  return judgeItem('must.fsb-kopia', { state, plan, target: 'snapshot', now: new Date(0) });
}

const AGENT_PODS = (statuses: string[]) =>
  ['$ kubectl -n velero get pods', 'NAME               READY   STATUS             RESTARTS   AGE', ...statuses.map((status, index) => `node-agent-abcd${index}   ${status === 'Running' ? '1/1' : '0/1'}     ${status.padEnd(18)} 0          2d`)].join('\n');

function veleroArgs(capture: Capture): string[] {
  return capture.find('Deployment', 'velero').spec.template.spec.containers[0].args;
}

describe('must.fsb-kopia', () => {
  it('passes on the healthy capture with per-node evidence', () => {
    const finding = judgeFsbKopia(contextOf(Capture.healthy()));
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain(`Node ${NODES.worker}: node-agent ready; 3 pod volume(s) to back up`);
    expect(finding.evidence).toContain('PodVolumeBackups of the judged backups by spec.uploaderType: kopia=12');
  });

  it('kopia is the default when --uploader-type is absent; a separate-argument spelling is read too', () => {
    const absent = Capture.healthy();
    veleroArgs(absent).splice(1, 1);
    const finding = judgeFsbKopia(contextOf(absent));
    expect(finding.status).toBe('pass');
    expect(finding.evidence[0]).toMatch(/absent → kopia/);
    const separate = Capture.healthy();
    veleroArgs(separate).splice(1, 1, '--uploader-type', 'restic');
    expect(judgeFsbKopia(contextOf(separate)).summary).toMatch(/--uploader-type=restic/);
  });

  it('fails when PodVolumeBackups of the judged backups used restic', () => {
    const capture = Capture.healthy();
    capture.pvbs(MANUAL_BACKUP)[0].spec.uploaderType = 'restic';
    const finding = judgeFsbKopia(contextOf(capture));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/1 PodVolumeBackup\(s\) of the judged backups used restic/);
  });

  it('fails when the node-agent DaemonSet is missing, unless the plan does not deploy it', () => {
    const capture = Capture.healthy().remove((object) => object.kind === 'DaemonSet' || String(object.metadata.name).startsWith('node-agent-'));
    const finding = judgeFsbKopia(contextOf(capture));
    expect(finding.status).toBe('fail');
    expect(finding.remediation).toMatch(/deployNodeAgent: true/);
    expect(finding.summary).toMatch(/no DaemonSet node-agent in namespace velero/);
    const notDeployed = judgeFsbKopia(contextOf(capture, { plan: { deployNodeAgent: false } }));
    expect(notDeployed.status).toBe('pass');
    expect(notDeployed.summary).toMatch(/does not deploy the node agent \(deployNodeAgent: false\), so file-system backup is not expected/);
  });

  it('fails for a node with volumes whose node-agent pod is not ready', () => {
    const capture = Capture.healthy();
    const agent = capture.find('Pod', NODE_AGENT_PODS[NODES.worker]);
    agent.status.conditions.find((condition: { type: string }) => condition.type === 'Ready').status = 'False';
    const finding = judgeFsbKopia(contextOf(capture));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(new RegExp(`node ${NODES.worker} runs \\d pod volume\\(s\\) to back up but its node-agent pod is not ready`));
  });

  it('names the untolerated taint and the Helm value that fixes it', () => {
    const capture = Capture.healthy();
    capture.find('Node', NODES.worker).spec.taints = [{ key: 'dedicated', value: 'storage', effect: 'NoSchedule' }];
    capture.remove((object) => object.metadata.name === NODE_AGENT_PODS[NODES.worker]);
    const finding = judgeFsbKopia(contextOf(capture));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/taint dedicated=storage:NoSchedule is not tolerated/);
    expect(finding.remediation).toMatch(/nodeAgent.tolerations: \[\{key: dedicated, operator: Exists, effect: NoSchedule\}\]/);
  });

  it('a node without pod volumes to back up needs no node-agent', () => {
    const capture = Capture.healthy();
    const spare = structuredClone(capture.find('Node', NODES.worker));
    spare.metadata.name = 'homelab-worker-2';
    spare.spec.taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    capture.add(spare);
    expect(judgeFsbKopia(contextOf(capture)).status).toBe('pass');
  });

  it('a pod whose volumes are all excluded does not require node-agent on its node', () => {
    const capture = Capture.healthy();
    capture.find('Pod', PAPERLESS_POD).metadata.annotations = { 'backup.velero.io/backup-volumes-excludes': 'data,media' };
    capture.remove((object) => object.metadata.name === NODE_AGENT_PODS[NODES.worker]);
    // The worker still runs nothing else with volumes → coverage is complete without node-agent there.
    expect(judgeFsbKopia(contextOf(capture)).status).toBe('pass');
  });
});

afterAll(removeRenderedDirs);

const nodeAgentSpec = (docs: any[]) => findDoc(docs, 'DaemonSet', 'node-agent').spec.template.spec;
const serverArgs = (docs: any[]) => findDoc(docs, 'Deployment', 'velero').spec.template.spec.containers[0].args as string[];

describe('must.fsb-kopia on the objects alone (rendered manifests, or the same objects as a snapshot)', () => {
  it('passes the good rendering on both targets with the same summary, saying per-node coverage is not shown', () => {
    const manifests = judgeRendered('must.fsb-kopia', () => {});
    const snapshot = judgeRendered('must.fsb-kopia', () => {}, {}, 'snapshot');
    expect(manifests.status).toBe('pass');
    expect(manifests.summary).toBe('File-system backup with Kopia is enabled: the node-agent DaemonSet mounts the pod volumes at /host_pods; node-agent readiness per node is not shown (no pods in the input)');
    expect(snapshot.status).toBe('pass');
    expect(snapshot.summary).toBe(manifests.summary);
    expect(snapshot.evidence).toContain('DaemonSet node-agent: no status in the input');
    expect(snapshot.warnings?.join(' ')).toMatch(/No pods in the input/);
  });

  it.each(['manifests', 'snapshot'] as const)('fails when the pod-volume hostPath is not mounted (nodeAgent.disableHostPath), on the %s target', (target) => {
    const finding = judgeRendered(
      'must.fsb-kopia',
      (docs) => {
        const container = nodeAgentSpec(docs).containers[0];
        container.volumeMounts = container.volumeMounts.filter((m: any) => m.mountPath !== '/host_pods');
      },
      {},
      target,
    );
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/DaemonSet velero\/node-agent mounts nothing at \/host_pods/);
    expect(finding.remediation).toMatch(/nodeAgent\.disableHostPath/);
  });

  it('fails a /host_pods mount that is not a hostPath', () => {
    const finding = judgeRendered('must.fsb-kopia', (docs) => {
      const volume = nodeAgentSpec(docs).volumes.find((v: any) => v.name === 'host-pods');
      delete volume.hostPath;
      volume.emptyDir = {};
    });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/\/host_pods is volume host-pods, which is not a hostPath/);
  });

  it('passes a non-standard kubelet root with a warning', () => {
    const finding = judgeRendered('must.fsb-kopia', (docs) => {
      nodeAgentSpec(docs).volumes.find((v: any) => v.name === 'host-pods').hostPath.path = '/var/lib/k0s/kubelet/pods';
    });
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.join(' ')).toMatch(/reads pod volumes from \/var\/lib\/k0s\/kubelet\/pods, not \/var\/lib\/kubelet\/pods/);
  });

  it('fails a restic uploader and accepts an absent flag (kopia is the default)', () => {
    const restic = judgeRendered('must.fsb-kopia', (docs) => serverArgs(docs).splice(1, 1, '--uploader-type=restic'));
    expect(restic.status).toBe('fail');
    expect(restic.summary).toMatch(/the server runs with --uploader-type=restic/);
    const absent = judgeRendered('must.fsb-kopia', (docs) => serverArgs(docs).splice(1, 1));
    expect(absent.status).toBe('pass');
    expect(absent.evidence.join(' ')).toMatch(/absent → kopia/);
  });

  it('warns when no file-system backup default is set', () => {
    const finding = judgeRendered('must.fsb-kopia', (docs) => {
      const container = findDoc(docs, 'Deployment', 'velero').spec.template.spec.containers[0];
      container.args = container.args.filter((a: string) => a !== '--default-volumes-to-fs-backup');
      delete findDoc(docs, 'Schedule', 'velero-daily').spec.template.defaultVolumesToFsBackup;
    });
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.join(' ')).toMatch(/only volumes of pods annotated backup\.velero\.io\/backup-volumes are backed up/);
  });

  it('fails when no node-agent DaemonSet is rendered, naming the Helm value', () => {
    const finding = judgeRendered('must.fsb-kopia', (docs) => docs.splice(docs.indexOf(findDoc(docs, 'DaemonSet', 'node-agent')), 1));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/no DaemonSet node-agent in namespace velero/);
    expect(finding.remediation).toMatch(/deployNodeAgent: true/);
  });

  // Resolved disagreement: the manifests gate skipped with deployNodeAgent: false while a cluster
  // passed. It now passes everywhere, saying file-system backup is not expected.
  it.each(['manifests', 'snapshot'] as const)('passes, saying FSB is not expected, when the plan does not deploy the node agent (%s)', (target) => {
    const finding = judgeRendered('must.fsb-kopia', (docs) => docs.splice(docs.indexOf(findDoc(docs, 'DaemonSet', 'node-agent')), 1), { deployNodeAgent: false }, target);
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('The plan does not deploy the node agent (deployNodeAgent: false), so file-system backup is not expected');
    expect(finding.evidence).toContain('Plan deployNodeAgent is false: node-agent not required (DaemonSet absent)');
  });

  // Resolved disagreement: the manifests gate required Kopia even with the plan's uploader
  // expectation off; now a Velero without Kopia fails only when the plan asks for Kopia, and is a
  // warning otherwise, on every target.
  it.each(['manifests', 'snapshot'] as const)('a Velero before 1.10 has no Kopia: a failure for the plan, a warning with expect.uploader off (%s)', (target) => {
    const old = (docs: any[]) => {
      const container = findDoc(docs, 'Deployment', 'velero').spec.template.spec.containers[0];
      container.image = 'velero/velero:v1.8.1';
      container.args = container.args.filter((a: string) => !a.startsWith('--uploader-type'));
    };
    const planned = judgeRendered('must.fsb-kopia', old, {}, target);
    expect(planned.status).toBe('fail');
    expect(planned.summary).toMatch(/Velero v1\.8\.1 backs pod volumes up with restic only: Kopia arrived in Velero 1\.10/);
    expect(planned.remediation).toMatch(/Velero 1\.10 or later/);
    const stranger = judgeRendered('must.fsb-kopia', old, { expect: { uploader: false } }, target);
    expect(stranger.status).toBe('pass');
    expect(stranger.summary).toMatch(/^File-system backup is enabled/);
    expect(stranger.warnings?.join(' ')).toMatch(/Velero v1\.8\.1 backs pod volumes up with restic only .* restic restores are removed in 1\.19/);
  });

  it('says nothing about /host_pods when the DaemonSet was read without its pod template (kubectl get ds)', () => {
    const finding = judgeRendered('must.fsb-kopia', (docs) => {
      const daemonSet = findDoc(docs, 'DaemonSet', 'node-agent');
      daemonSet.spec = {};
      daemonSet.status = { desiredNumberScheduled: 2, numberReady: 2 };
    }, {}, 'snapshot');
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('DaemonSet velero/node-agent: pod template not shown, so its /host_pods mount is not checked');
    // Without pods, the DaemonSet's counters are what the input shows of its readiness.
    expect(finding.summary).toMatch(/the node-agent DaemonSet exists and is ready on all 2 node\(s\); node-agent coverage per node is not shown \(no pods in the input\)$/);
  });
});

describe('must.fsb-kopia on a paste: an object not shown is not missing', () => {
  it('node-agent pods shown without their DaemonSet: all Running and ready passes, saying the node count is not shown', async () => {
    const finding = await judgePaste(AGENT_PODS(['Running', 'Running', 'Running']));
    expect(finding).toMatchObject({ status: 'pass', summary: 'File-system backup is enabled: the 3 node-agent pod(s) shown are Running and ready' });
    expect(finding.warnings).toContain('The number of nodes is not shown: whether every node runs a node-agent pod cannot be told from this evidence.');
    expect(finding.evidence[0]).toBe('DaemonSet node-agent: not shown in this evidence; judged by the 3 node-agent pod(s) shown');
  });

  it('a node-agent pod shown crash-looping fails, naming it', async () => {
    const finding = await judgePaste(AGENT_PODS(['Running', 'CrashLoopBackOff']));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('Kopia file-system backup is not enabled: node-agent pod node-agent-abcd1 is CrashLoopBackOff');
    expect(finding.remediation).toMatch(/logs <pod> --previous/);
  });

  it('a pasted DaemonSet without its pods is decided by its counters', async () => {
    const table = ['$ kubectl -n velero get ds', 'NAME         DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE', 'node-agent   3         3         1       3            1           <none>          9d'].join('\n');
    const finding = await judgePaste(table);
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('Kopia file-system backup is not enabled: the node-agent DaemonSet has 1/3 pods ready');
    expect(finding.remediation).toMatch(/describe ds\/node-agent/);
  });

  it('with the Kopia expectation on, an uploader the paste does not show is a warning, not a failure', async () => {
    // On a cluster "no velero Deployment and no PodVolumeBackups" fails the item; a paste that lists no Deployments shows nothing of the kind.
    const finding = await judgePaste(AGENT_PODS(['Running']), parsePlan({}));
    expect(finding).toMatchObject({ status: 'pass', summary: 'File-system backup is enabled: the 1 node-agent pod(s) shown are Running and ready' });
    expect(finding.warnings).toContain('The uploader type is not shown: neither the velero Deployment nor PodVolumeBackups are in this evidence.');
  });

  it('only finished node-agent pods shown: not shown', async () => {
    const finding = await judgePaste(AGENT_PODS(['Completed']));
    expect(finding).toMatchObject({ status: 'skip', summary: 'Not shown in this evidence: neither the node-agent DaemonSet nor a current node-agent pod is shown.' });
  });
});
