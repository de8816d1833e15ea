import { describe, expect, it } from 'vitest';
import { Capture } from '../../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../../fixtures/snapshots/load.ts';
import { MANUAL_BACKUP, NODES } from '../../../fixtures/snapshots/homelab/constants.ts';
import { PAPERLESS_POD } from '../../../fixtures/snapshots/homelab/paperless.ts';
import { VELERO_POD } from '../../../fixtures/snapshots/homelab/velero-workloads.ts';
import type { KubeObject } from '../../state.ts';
import { backupCounts, selectManualBackup } from './backups.ts';
import { backupScope, namespaceInScope, podVolumeDecisions } from './backup-scope.ts';
import { blockingTaints, tolerates } from './taints.ts';
import { goBool, isNodeAgentPod, isVeleroServerPod, selectorMatches, serverFlag, transientPodReason, workloadPods } from './workloads.ts';
import { parsePlan } from '../../plan.ts';
import { newestFirst } from './object-access.ts';
import { compareCron, parseVeleroCron } from './velero-cron.ts';

function deploymentWithArgs(args: string[]): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'velero' }, spec: { template: { spec: { containers: [{ name: 'velero', args }] } } } };
}

describe('serverFlag reads velero server flags in every spelling', () => {
  it('reads --flag=value, --flag value and bare boolean flags', () => {
    const deployment = deploymentWithArgs(['server', '--uploader-type=kopia', '--default-backup-ttl', '336h', '--default-volumes-to-fs-backup']);
    expect(serverFlag(deployment, 'uploader-type')).toBe('kopia');
    expect(serverFlag(deployment, '--default-backup-ttl')).toBe('336h');
    expect(serverFlag(deployment, 'default-volumes-to-fs-backup')).toBe('true');
    expect(serverFlag(deployment, 'features')).toBeUndefined();
    expect(serverFlag(undefined, 'uploader-type')).toBeUndefined();
  });

  it('goBool accepts Go strconv.ParseBool spellings only', () => {
    expect(['1', 't', 'T', 'TRUE', 'true', 'True'].map(goBool)).toEqual(Array(6).fill(true));
    expect(['0', 'f', 'false', 'False'].map(goBool)).toEqual(Array(4).fill(false));
    expect(goBool('yes')).toBeUndefined();
    expect(goBool(true)).toBe(true);
  });
});

describe('label selectors and tolerations follow Kubernetes semantics', () => {
  it('matches matchLabels and matchExpressions', () => {
    const selector = { matchLabels: { name: 'node-agent' }, matchExpressions: [{ key: 'role', operator: 'In', values: ['node-agent'] }, { key: 'canary', operator: 'DoesNotExist' }] };
    expect(selectorMatches(selector, { name: 'node-agent', role: 'node-agent' })).toBe(true);
    expect(selectorMatches(selector, { name: 'node-agent', role: 'other' })).toBe(false);
    expect(selectorMatches(selector, { name: 'node-agent', role: 'node-agent', canary: 'x' })).toBe(false);
    expect(selectorMatches(undefined, { name: 'x' })).toBe(false);
  });

  it('tolerates taints by key/value/effect and by an empty-key Exists', () => {
    const taint = { key: 'dedicated', value: 'storage', effect: 'NoSchedule' };
    expect(tolerates([{ key: 'dedicated', operator: 'Equal', value: 'storage', effect: 'NoSchedule' }], taint)).toBe(true);
    expect(tolerates([{ key: 'dedicated', operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ key: 'dedicated', operator: 'Equal', value: 'gpu' }], taint)).toBe(false);
    expect(tolerates([{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }], taint)).toBe(false);
  });

  it('only NoSchedule and NoExecute taints block scheduling', () => {
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n' },
      spec: { taints: [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'NoSchedule' }, { key: 'c', effect: 'NoExecute' }] },
    };
    expect(blockingTaints(node, []).map((taint) => taint.key)).toEqual(['b', 'c']);
    expect(blockingTaints(node, [{ key: 'b', operator: 'Exists' }]).map((taint) => taint.key)).toEqual(['c']);
  });
});

describe('workload pods', () => {
  it('the velero Deployment owns only its pod, not the node-agent pods that share its app labels', () => {
    const context = contextOf(Capture.healthy());
    const deployment = context.state.objects.deployments.find((candidate) => candidate.metadata.name === 'velero')!;
    const daemonSet = context.state.objects.daemonSets[0];
    expect(workloadPods(context.state, deployment).map((pod) => pod.metadata.name)).toEqual([VELERO_POD]);
    expect(workloadPods(context.state, daemonSet)).toHaveLength(2);
  });

  it('recognises transient data-mover and maintenance-job pods', () => {
    const pod = (labels: Record<string, string>, owners: Array<{ kind: string; name: string }> = []): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels, ownerReferences: owners } });
    expect(transientPodReason(pod({ 'velero.io/pod-volume-backup': 'b-x' }))).toBe('data-mover pod');
    expect(transientPodReason(pod({}, [{ kind: 'Job', name: 'repo-maintain-job-1' }]))).toBe('job pod');
    expect(transientPodReason(pod({ 'velero.io/repo-name': 'ns-default-kopia' }))).toBe('repository maintenance job pod');
    expect(transientPodReason(pod({ name: 'velero' }, [{ kind: 'ReplicaSet', name: 'velero-abc' }]))).toBeUndefined();
  });
});

describe('backup scope (docs/velero-facts.md §3, §4)', () => {
  it('"*" or no include list means every namespace; excludes and globs apply', () => {
    expect(namespaceInScope('paperless', backupScope('b', {}, true))).toBe(true);
    expect(namespaceInScope('paperless', backupScope('b', { includedNamespaces: ['*'] }, true))).toBe(true);
    expect(namespaceInScope('paperless', backupScope('b', { includedNamespaces: ['*'], excludedNamespaces: ['paper*'] }, true))).toBe(false);
    expect(namespaceInScope('paperless', backupScope('b', { includedNamespaces: ['velero'] }, true))).toBe(false);
    expect(namespaceInScope('app-1', backupScope('b', { includedNamespaces: ['app-?'] }, true))).toBe(true);
  });

  it('takes defaultVolumesToFsBackup from the spec, else the server default', () => {
    expect(backupScope('b', { defaultVolumesToFsBackup: false }, true).defaultVolumesToFsBackup).toBe(false);
    expect(backupScope('b', {}, true).defaultVolumesToFsBackup).toBe(true);
  });
});

describe('podVolumeDecisions mirrors Velero\'s volume selection', () => {
  const context = contextOf(Capture.healthy());
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'app', namespace: 'paperless' },
    spec: {
      nodeName: NODES.worker,
      containers: [
        {
          name: 'app',
          volumeMounts: ['cache', 'host', 'cfg', 'sec', 'proj', 'down', 'default-token-abc', 'data'].map((name) => ({ name, mountPath: `/${name}` })),
          volumeDevices: [{ name: 'raw', devicePath: '/dev/raw' }],
        },
      ],
      volumes: [
        { name: 'cache', emptyDir: {} },
        { name: 'host', hostPath: { path: '/srv' } },
        { name: 'cfg', configMap: { name: 'c' } },
        { name: 'sec', secret: { secretName: 's' } },
        { name: 'proj', projected: { sources: [] } },
        { name: 'down', downwardAPI: { items: [] } },
        { name: 'default-token-abc', emptyDir: {} },
        { name: 'data', persistentVolumeClaim: { claimName: 'paperless-data' } },
        { name: 'unmounted', emptyDir: {} },
        { name: 'raw', persistentVolumeClaim: { claimName: 'raw-claim' } },
      ],
    },
  };

  it('with defaultVolumesToFsBackup: emptyDir and PVCs yes; hostPath, configMap, secret, projected, downwardAPI, default-token, unmounted and block no', () => {
    const decisions = Object.fromEntries(podVolumeDecisions(context.state, pod, backupScope('b', {}, true)).map((volume) => [volume.volume, volume.decision.kind]));
    expect(decisions).toEqual({
      cache: 'back-up',
      host: 'not-selected',
      cfg: 'not-selected',
      sec: 'not-selected',
      proj: 'not-selected',
      down: 'not-selected',
      'default-token-abc': 'not-selected',
      data: 'back-up',
      unmounted: 'not-selected',
      raw: 'not-selected',
    });
  });

  it('honours the opt-out annotation, and without the default only the opt-in annotation', () => {
    const annotated = { ...pod, metadata: { ...pod.metadata, annotations: { 'backup.velero.io/backup-volumes-excludes': 'cache', 'backup.velero.io/backup-volumes': 'data,host' } } };
    const optOut = podVolumeDecisions(context.state, annotated, backupScope('b', {}, true)).filter((volume) => volume.decision.kind === 'back-up');
    expect(optOut.map((volume) => volume.volume)).toEqual(['data']);
    const optIn = podVolumeDecisions(context.state, annotated, backupScope('b', { defaultVolumesToFsBackup: false }, true));
    expect(optIn.filter((volume) => volume.decision.kind === 'back-up').map((volume) => volume.volume)).toEqual(['data']);
    // An opted-in hostPath volume is selected but silently skipped (docs/velero-facts.md §4).
    expect(optIn.find((volume) => volume.volume === 'host')!.decision.kind).toBe('silently-skipped');
  });

  it('a PVC bound to a hostPath PV is silently skipped, naming PVC and PV', () => {
    const capture = Capture.healthy();
    const pv = capture.all('PersistentVolume').find((candidate) => candidate.spec.claimRef.name === 'paperless-data')!;
    delete pv.spec.local;
    pv.spec.hostPath = { path: '/var/lib/rancher/k3s/storage/x', type: 'DirectoryOrCreate' };
    const hostPathContext = contextOf(capture);
    const paperless = hostPathContext.state.objects.pods.find((candidate) => candidate.metadata.name === PAPERLESS_POD)!;
    const data = podVolumeDecisions(hostPathContext.state, paperless, backupScope('b', {}, true)).find((volume) => volume.volume === 'data')!;
    expect(data.decision).toEqual({ kind: 'silently-skipped', reason: expect.stringContaining(`PVC paperless-data is bound to hostPath PV ${pv.metadata.name}`) });
  });
});

describe('backup selection', () => {
  it('the manual backup is the newest backup without a schedule label', () => {
    const capture = Capture.healthy();
    const older = structuredClone(capture.backup(MANUAL_BACKUP));
    older.metadata.name = 'first-try';
    older.metadata.creationTimestamp = '2026-06-02T08:00:00Z';
    capture.add(older);
    const context = contextOf(capture);
    const selection = selectManualBackup(context.state, context.plan);
    expect(selection.kind === 'found' && selection.backup.metadata.name).toBe(MANUAL_BACKUP);
    expect(newestFirst(context.state.objects.backups)[0].metadata.name).toBe(MANUAL_BACKUP);
  });

  it('counts omitted by omitempty are 0', () => {
    const backup: KubeObject = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'b' }, status: { phase: 'Completed' } };
    expect(backupCounts(backup)).toEqual({ errors: 0, warnings: 0, itemsBackedUp: undefined, totalItems: undefined });
  });
});

describe('parseVeleroCron accepts what Velero accepts', () => {
  const from = new Date('2026-06-15T10:30:00Z');

  it('computes the next run in UTC without a zone prefix and in the zone with CRON_TZ=', () => {
    const utc = parseVeleroCron('0 3 * * *');
    expect(utc.ok && utc.next(from).toISOString()).toBe('2026-06-16T03:00:00.000Z');
    const berlin = parseVeleroCron('CRON_TZ=Europe/Berlin 0 3 * * *');
    expect(berlin.ok && berlin.timeZone).toBe('Europe/Berlin');
    expect(berlin.ok && berlin.next(from).toISOString()).toBe('2026-06-16T01:00:00.000Z');
  });

  it('supports descriptors and @every', () => {
    const daily = parseVeleroCron('@daily');
    expect(daily.ok && daily.canonical).toBe('0 0 * * *');
    const every = parseVeleroCron('@every 6h');
    expect(every.ok && every.next(from).toISOString()).toBe('2026-06-15T16:30:00.000Z');
  });

  it('rejects 4- and 6-field expressions, bad values and unknown zones', () => {
    expect(parseVeleroCron('0 3 * *')).toMatchObject({ ok: false, problem: expect.stringContaining('found 4') });
    expect(parseVeleroCron('0 0 3 * * *')).toMatchObject({ ok: false, problem: expect.stringContaining('found 6') });
    expect(parseVeleroCron('0 25 * * *').ok).toBe(false);
    expect(parseVeleroCron('CRON_TZ=Mars/Olympus 0 3 * * *')).toMatchObject({ ok: false, problem: 'unknown time zone "Mars/Olympus"' });
    expect(parseVeleroCron('@every soon').ok).toBe(false);
  });

  it('gives equivalent spellings the same canonical form', () => {
    const a = parseVeleroCron('0 3 * * MON-FRI');
    const b = parseVeleroCron('0   3 * * 1-5');
    expect(a.ok && b.ok && a.canonical === b.canonical).toBe(true);
  });

  it('compareCron: the same text, an equivalent spelling in the same zone, or different', () => {
    expect(compareCron(' 0  3 * * * ', '0 3 * * *')).toBe('same');
    expect(compareCron('0 3 * * MON-FRI', '0 3 * * 1-5')).toBe('equivalent');
    expect(compareCron('@daily', '0 0 * * *')).toBe('equivalent');
    expect(compareCron('@midnight', '@daily')).toBe('equivalent');
    expect(compareCron('TZ=Europe/Berlin 0 3 * * *', 'CRON_TZ=Europe/Berlin 0 3 * * *')).toBe('equivalent');
    expect(compareCron('CRON_TZ=Europe/Berlin 0 3 * * *', '0 3 * * *')).toBe('different');
    expect(compareCron('0 4 * * *', '0 3 * * *')).toBe('different');
    expect(compareCron('0 3 * *', '0 3 * * *')).toBe('different');
  });

  it('rejects descriptors Velero does not know', () => {
    expect(parseVeleroCron('@sometimes')).toMatchObject({ ok: false, problem: 'unknown descriptor "@sometimes"' });
  });
});

describe('Velero workload pods are recognised without their workload (a pasted pods table)', () => {
  const pod = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(labels ? { labels } : {}) } });
  it('the server pod by its deploy or name label, or by the name a table row carries; component=velero alone is not enough', () => {
    expect(isVeleroServerPod(pod('velero-6b7c9d8f4-x2k4q'))).toBe(true);
    expect(isVeleroServerPod(pod('anything', { deploy: 'velero', component: 'velero' }))).toBe(true);
    expect(isVeleroServerPod(pod('anything', { name: 'velero' }))).toBe(true);
    expect(isVeleroServerPod(pod('node-agent-abcde', { name: 'node-agent', component: 'velero' }))).toBe(false);
    expect(isVeleroServerPod(pod('velero-repo-maintain-job-abcde'))).toBe(false);
  });

  it('a restic pod is the node agent unless the plan expects Kopia', () => {
    expect(isNodeAgentPod(pod('node-agent-abcde'), parsePlan({}))).toBe(true);
    expect(isNodeAgentPod(pod('restic-abcde'), parsePlan({ expect: false }))).toBe(true);
    expect(isNodeAgentPod(pod('restic-abcde'), parsePlan({}))).toBe(false);
    expect(isNodeAgentPod(pod('restic-abcde'))).toBe(true);
  });
});
