import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { MANUAL_BACKUP, NODE_AGENT_PODS, NODES, PAPERLESS_POD } from '../../fixtures/snapshots/model.ts';
import { judgeFsbKopia } from './must-fsb-kopia.ts';

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
    expect(judgeFsbKopia(contextOf(capture, { plan: { deployNodeAgent: false } })).status).toBe('pass');
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
