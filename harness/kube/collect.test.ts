/**
 * Live collection against the seeded fake cluster: what lands in State, read gaps for RBAC 403s,
 * Velero absent, versions, and secret values that never leave memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CANARY_ACCESS_KEY, CANARY_SECRET, startFakeCluster, testPlan, type FakeCluster } from '../../fixtures/doubles/fake-kube-setup.ts';
import { AuditInputError } from '../errors.ts';
import { KubeApi } from './api.ts';
import { KubeClient } from './client.ts';
import { collectLiveState, veleroVersionOf } from './collect.ts';
import { loadKubeTarget } from './config.ts';
import { Redactor } from './redact.ts';

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
      c.kube.deny({ verb: 'list', resource: 'secrets', namespace: 'velero' });
      c.kube.deny({ verb: 'list', resource: 'nodes' });
      c.kube.deny({ verb: 'list', resource: 'podvolumebackups.velero.io' });
    });
    expect(state.readGaps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ verb: 'list', resource: 'secrets', namespace: 'velero', reason: expect.stringContaining('forbidden (RBAC)') }),
        expect.objectContaining({ verb: 'list', resource: 'nodes', reason: expect.stringContaining('forbidden (RBAC)') }),
        expect.objectContaining({ verb: 'list', resource: 'podvolumebackups.velero.io', namespace: 'velero' }),
      ]),
    );
    expect(state.readGaps).toHaveLength(3);
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
