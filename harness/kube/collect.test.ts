/**
 * Live collection against the seeded fake cluster: what lands in State, read gaps for RBAC 403s,
 * Velero absent, versions, and secret values that never leave memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CANARY_ACCESS_KEY, CANARY_SECRET, startFakeCluster, testPlan, type FakeCluster } from '../../fixtures/doubles/fake-kube-setup.ts';
import { AuditInputError } from '../errors.ts';
import { KubeApi } from './api.ts';
import { KubeClient } from './client.ts';
import { backupNameLabelValue, collectLiveState, veleroVersionOf } from './collect.ts';
import { loadKubeTarget } from './config.ts';
import { Redactor } from '../redact.ts';
import type { KubeObject } from '../state.ts';
import { healthyVeleroObjects } from '../../fixtures/snapshots/model.ts';
import { largeStateObjects } from '../../fixtures/snapshots/large.ts';

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function collect(setup: (c: FakeCluster) => void = () => undefined, options: { veleroInstalled?: boolean } = {}) {
  cluster = await startFakeCluster({ fake: { veleroInstalled: options.veleroInstalled } });
  setup(cluster);
  const target = loadKubeTarget({ kubeconfig: cluster.kubeconfigPath, env: {} });
  const api = new KubeApi(new KubeClient(target.kubeConfig, { retry: { baseDelayMs: 5 } }));
  const redactor = new Redactor();
  const collected = await collectLiveState(api, { plan: testPlan(), target, redactor });
  return { ...collected, redactor, target };
}

describe('collectLiveState', () => {
  it('reads the Velero objects, workloads and cluster info with get/list only', async () => {
    const { state, target } = await collect();
    expect(state.source).toEqual({ target: 'cluster', description: `context "fake" (${target.server})` });
    expect(state.veleroInstalled).toBe(true);
    expect(state.cluster).toEqual({ context: 'fake', server: target.server, kubernetesVersion: 'v1.34.1', veleroVersion: 'v1.18.1' });
    expect(state.objects.backupStorageLocations.map((b) => b.metadata.name)).toEqual(['default']);
    expect(state.objects.deployments.map((d) => d.metadata.name)).toEqual(['velero']);
    expect(state.objects.daemonSets.map((d) => d.metadata.name)).toEqual(['node-agent']);
    expect(state.objects.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual(['shop/web-0', 'velero/node-agent-abcde', 'velero/velero-7d9c5b6f4-x2k8q']);
    expect(state.objects.persistentVolumeClaims.map((p) => p.metadata.name)).toEqual(['web-data']);
    expect(state.objects.nodes.map((n) => n.metadata.name)).toEqual(['node-1']);
    expect(state.objects.services.map((s) => s.metadata.name)).toEqual(['web']);
    expect(state.readGaps).toEqual([]);
    expect(cluster!.kube.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(cluster!.kube.mutations).toEqual([]);
    // Objects are the API's JSON: timestamps stay strings.
    expect(typeof state.objects.backupStorageLocations[0].metadata.creationTimestamp).toBe('string');
  });

  it('reduces Secrets to summaries; the values stay in memory (credentials for the bucket, the redactor)', async () => {
    const { state, credentials, redactor } = await collect();
    const secret = state.objects.secrets.find((s) => s.name === 'velero-s3-credentials');
    expect(secret?.keys).toEqual(['cloud']);
    expect(secret?.credentialFiles?.cloud).toMatchObject({ parsed: true, hasAccessKeyId: true, hasSecretAccessKey: true });
    expect(state.objects.secrets.find((s) => s.name === 'velero-repo-credentials')?.repositoryPasswordIsDefault).toBe(true);
    const text = JSON.stringify(state);
    expect(text).not.toContain(CANARY_SECRET);
    expect(text).not.toContain(Buffer.from(CANARY_SECRET).toString('base64'));
    expect(text).not.toContain(CANARY_ACCESS_KEY);
    expect(credentials).toMatchObject({ accessKeyId: CANARY_ACCESS_KEY, secretAccessKey: CANARY_SECRET });
    expect(redactor.text(`leaked ${CANARY_SECRET}`)).toBe('leaked [REDACTED]');
  });

  it('a secret value copied into another object (an env literal) is redacted from State', async () => {
    const { state } = await collect((c) =>
      c.kube.update('Deployment', 'velero', 'velero', (d) => {
        (d.spec as any).template.spec.containers[0].env = [{ name: 'AWS_SECRET_ACCESS_KEY', value: CANARY_SECRET }];
      }),
    );
    expect(JSON.stringify(state)).not.toContain(CANARY_SECRET);
    expect((state.objects.deployments[0].spec as any).template.spec.containers[0].env[0].value).toBe('[REDACTED]');
  });

  it('RBAC 403 on reads becomes read gaps naming verb and resource, not a crash', async () => {
    const { state, credentials } = await collect((c) => {
      // A finished backup puts its PodVolumeBackups in scope: their (denied) list is attempted.
      c.kube.put({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'verification-test', namespace: 'velero' }, spec: {}, status: { phase: 'Completed' } });
      c.kube.deny({ verb: 'get', resource: 'secrets', namespace: 'velero' });
      c.kube.deny({ verb: 'list', resource: 'nodes' });
      c.kube.deny({ verb: 'list', resource: 'podvolumebackups.velero.io' });
    });
    expect(state.readGaps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ verb: 'get', resource: 'secrets', namespace: 'velero', reason: expect.stringMatching(/^Secret velero-s3-credentials: forbidden \(RBAC\)/) }),
        expect.objectContaining({ verb: 'get', resource: 'secrets', namespace: 'velero', reason: expect.stringMatching(/^Secret velero-repo-credentials: forbidden \(RBAC\)/) }),
        expect.objectContaining({ verb: 'list', resource: 'nodes', reason: expect.stringContaining('forbidden (RBAC)') }),
        expect.objectContaining({ verb: 'list', resource: 'podvolumebackups.velero.io', namespace: 'velero' }),
      ]),
    );
    expect(state.readGaps).toHaveLength(4);
    expect(state.objects.backups.map((backup) => backup.metadata.name)).toEqual(['verification-test']);
    expect(state.objects.secrets).toEqual([]);
    expect(credentials).toBeUndefined();
    expect(state.objects.backupStorageLocations).toHaveLength(1);
  });

  it('a list that keeps failing with 500 is a read gap with the reason', async () => {
    const { state } = await collect((c) => c.kube.fault({ verb: 'list', resource: 'persistentvolumes', status: 500, times: 1000 }));
    expect(state.readGaps).toEqual([expect.objectContaining({ verb: 'list', resource: 'persistentvolumes', reason: expect.stringContaining('HTTP 500') })]);
  }, 40_000);

  it('no velero.io API group → veleroInstalled false ("Velero is not installed"), no Velero lists', async () => {
    const { state } = await collect(() => undefined, { veleroInstalled: false });
    expect(state.veleroInstalled).toBe(false);
    expect(state.objects.backupStorageLocations).toEqual([]);
    expect(state.readGaps).toEqual([]);
    expect(cluster!.kube.requests.some((r) => r.path.includes('/apis/velero.io/v1/namespaces'))).toBe(false);
  });

  it('an unreachable API server is an AuditInputError naming server and context', async () => {
    cluster = await startFakeCluster();
    const target = loadKubeTarget({ kubeconfig: cluster.kubeconfigPath, env: {} });
    await cluster.kube.stop();
    const api = new KubeApi(new KubeClient(target.kubeConfig, { deadlineMs: 300, retry: { maxAttempts: 2, baseDelayMs: 5 } }));
    const error = await collectLiveState(api, { plan: testPlan(), target, redactor: new Redactor() }).catch((e) => e);
    expect(error).toBeInstanceOf(AuditInputError);
    expect(error.message).toMatch(/Cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:\d+ \(context "fake"\)/);
  });

  it('veleroVersionOf reads the server container image tag', () => {
    const deployment = (image: string, name = 'velero') => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'velero' }, spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'x:1' }, { name, image }] } } } });
    expect(veleroVersionOf(deployment('docker.io/velero/velero:v1.18.1'))).toBe('v1.18.1');
    expect(veleroVersionOf(deployment('registry:5000/velero/velero:v1.17.2@sha256:abc'))).toBe('v1.17.2');
    expect(veleroVersionOf(deployment('registry:5000/velero/velero'))).toBeUndefined();
    expect(veleroVersionOf(undefined)).toBeUndefined();
  });
});

describe('collectLiveState reads only what the items need', () => {
  async function collectFrom(objects: KubeObject[], plan = testPlan()) {
    cluster = await startFakeCluster({ seed: false });
    for (const object of objects) cluster.kube.put(object);
    const target = loadKubeTarget({ kubeconfig: cluster.kubeconfigPath, env: {} });
    const api = new KubeApi(new KubeClient(target.kubeConfig, { retry: { baseDelayMs: 5 } }));
    const collected = await collectLiveState(api, { plan, target, redactor: new Redactor() });
    return { ...collected, requests: cluster.kube.requests };
  }

  it('gets the Secrets the plan names, never lists the namespace\'s Secrets (Helm release Secrets hold the values)', async () => {
    const helmRelease = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sh.helm.release.v1.velero.v3', namespace: 'velero' }, type: 'helm.sh/release.v1', data: { release: Buffer.from('HELM-RELEASE-VALUES').toString('base64') } };
    const { state, requests } = await collectFrom([...(healthyVeleroObjects() as KubeObject[]), helmRelease as KubeObject]);
    const secretRequests = requests.filter((request) => request.path.includes('/secrets'));
    expect(secretRequests.map((request) => `${request.verb} ${request.path}`).sort()).toEqual([
      'get /api/v1/namespaces/velero/secrets/velero-repo-credentials',
      'get /api/v1/namespaces/velero/secrets/velero-s3-credentials',
    ]);
    expect(state.objects.secrets.map((secret) => secret.name).sort()).toEqual(['velero-repo-credentials', 'velero-s3-credentials']);
  });

  it('reads a Secret a BackupStorageLocation names as its credential', async () => {
    const objects = healthyVeleroObjects() as KubeObject[];
    const location = objects.find((object) => object.kind === 'BackupStorageLocation')!;
    (location.spec as Record<string, unknown>).credential = { name: 'bsl-credentials', key: 'cloud' };
    const { requests } = await collectFrom(objects);
    expect(requests.filter((request) => request.path.includes('/secrets/')).map((request) => request.path.split('/').pop()).sort()).toEqual(['bsl-credentials', 'velero-repo-credentials', 'velero-s3-credentials']);
  });

  it('lists PodVolumeBackups only of the backups in scope, by label selector', async () => {
    const { state, requests } = await collectFrom(largeStateObjects({ backups: 30, pvbsPerBackup: 10, extraPods: 0 }) as KubeObject[]);
    const pvbRequests = requests.filter((request) => request.path.includes('/podvolumebackups'));
    expect(pvbRequests).toHaveLength(1);
    expect(new URL(pvbRequests[0].path, 'https://fake').searchParams.get('labelSelector')).toBe('velero.io/backup-name in (verification-test,velero-daily-20260615030000)');
    // The manual backup and the newest scheduled one: 6 volumes each, none of the 30 older backups'.
    expect(new Set(state.objects.podVolumeBackups.map((pvb) => pvb.metadata.labels?.['velero.io/backup-name']))).toEqual(new Set(['verification-test', 'velero-daily-20260615030000']));
    expect(state.objects.podVolumeBackups).toHaveLength(12);
    expect(state.objects.backups).toHaveLength(33);
  });

  // Builds and serves some 28,000 objects: tens of seconds on a busy machine. What it asserts is a request count, not a time.
  it('a read-only collection of a large cluster takes a fixed number of requests plus one per 1,000 Backups', { timeout: 240_000 }, async () => {
    const size = { backups: 2500, pvbsPerBackup: 10, extraPods: 300 };
    const { state, requests } = await collectFrom(largeStateObjects(size) as KubeObject[]);
    expect(state.objects.backups).toHaveLength(2503);
    expect(requests.every((request) => request.method === 'GET')).toBe(true);
    // version, discovery, 6 Velero kinds (Backups in 3 pages), 3 in the Velero namespace, 8 cluster-wide, PodVolumeBackups in scope, 2 Secrets.
    expect(requests).toHaveLength(2 + 6 + 2 + 3 + 8 + 1 + 2);
    expect(requests.filter((request) => request.path.includes('/backups?'))).toHaveLength(3);
  });

  it('names a backup longer than a label value the way Velero labels its PodVolumeBackups', () => {
    expect(backupNameLabelValue('short')).toBe('short');
    const long = `nightly-${'x'.repeat(70)}`;
    expect(backupNameLabelValue(long)).toHaveLength(63);
    expect(backupNameLabelValue(long).slice(0, 57)).toBe(long.slice(0, 57));
    expect(backupNameLabelValue(long).slice(57)).toMatch(/^[0-9a-f]{6}$/);
  });
});
