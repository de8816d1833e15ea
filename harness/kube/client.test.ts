/**
 * The API layer against the fake API server over real HTTPS on loopback: auth, retries within the
 * deadline, Status errors, pagination, merge patch, logs, discovery.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeKube } from '../../fixtures/doubles/fake-kube.ts';
import { KubeApi } from './api.ts';
import { KubeClient } from './client.ts';
import { loadKubeTarget } from './config.ts';
import { KubeApiError, KubeTransportError } from './errors.ts';
import { R } from './resources.ts';

let kube: FakeKube;
let dir: string;
let api: KubeApi;
const retries: string[] = [];

function apiFor(yaml: string, options: ConstructorParameters<typeof KubeClient>[1] = {}): KubeApi {
  const file = join(dir, `kubeconfig-${Math.random()}`);
  writeFileSync(file, yaml);
  return new KubeApi(new KubeClient(loadKubeTarget({ kubeconfig: file, env: {} }).kubeConfig, { retry: { baseDelayMs: 5, maxDelayMs: 20 }, onRetry: (line) => retries.push(line), ...options }));
}

beforeAll(async () => {
  kube = await FakeKube.start();
  dir = mkdtempSync(join(tmpdir(), 'client-'));
  api = apiFor(kube.kubeconfig());
});
afterAll(async () => {
  await kube.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  retries.length = 0;
});

describe('KubeClient / KubeApi', () => {
  it('talks HTTPS to the fake with the kubeconfig CA (no insecure-skip-tls-verify) and sends the token', async () => {
    expect(kube.usesTls).toBe(true);
    expect(kube.url.startsWith('https://127.0.0.1:')).toBe(true);
    expect((await api.serverVersion()).gitVersion).toBe('v1.34.1');
    const wrongToken = apiFor(kube.kubeconfig({ token: 'wrong' }));
    await expect(wrongToken.serverVersion()).rejects.toMatchObject({ status: 401 });
  });

  it('retries 500s within the deadline and then succeeds', async () => {
    kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'retry-ns' } });
    kube.fault({ verb: 'get', resource: 'namespaces', name: 'retry-ns', status: 500, times: 3 });
    const ns = await api.get(R.namespaces, 'retry-ns');
    expect(ns?.metadata.name).toBe('retry-ns');
    expect(retries).toHaveLength(3);
    expect(retries[0]).toContain('after HTTP 500');
  });

  it('retries 429 and reset connections', async () => {
    kube.fault({ verb: 'list', resource: 'nodes', status: 429, times: 1 });
    kube.fault({ verb: 'list', resource: 'nodes', status: 'reset', times: 1 });
    await expect(api.list(R.nodes)).resolves.toMatchObject({ items: [] });
    expect(retries.map((line) => line.replace(/ \(attempt.*/, ''))).toEqual(['retrying list nodes after HTTP 429', 'retrying list nodes after ECONNRESET']);
  });

  it('gives up at the deadline with the last error', async () => {
    kube.fault({ verb: 'list', resource: 'services', status: 503, times: 1000 });
    const slow = apiFor(kube.kubeconfig(), { deadlineMs: 300, retry: { baseDelayMs: 50, maxDelayMs: 100, maxAttempts: 100 } });
    await expect(slow.list(R.services)).rejects.toMatchObject({ status: 503 });
    // Each retry waits at least 50 ms, so at most 1 + 300 / 50 attempts fit in the deadline — however slow the machine.
    const attempts = kube.requests.filter((r) => r.path.startsWith('/api/v1/services')).length;
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(7);
  });

  it('a server that never answers: the error names the configured deadline, not the milliseconds left', async () => {
    const sockets = new Set<Socket>();
    // Accepts, never speaks (not even TLS); the client's abort resets the socket, which is expected here.
    const silent = createServer((socket) => void sockets.add(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const mute = apiFor(kube.kubeconfig().replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`), { deadlineMs: 400, retry: { maxAttempts: 1 } });
      const error = (await mute.serverVersion().catch((e) => e)) as KubeTransportError;
      expect(error).toBeInstanceOf(KubeTransportError);
      expect(error.message).toMatch(/: no answer within the 0\.4s deadline$/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('does not retry 403: the error names verb, resource and namespace', async () => {
    kube.deny({ verb: 'list', resource: 'secrets', namespace: 'locked' });
    const error = (await api.list(R.secrets, { namespace: 'locked' }).catch((e) => e)) as KubeApiError;
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error.status).toBe(403);
    expect(error.request).toMatchObject({ verb: 'list', resource: 'secrets', namespace: 'locked' });
    expect(error.message).toContain('cannot list resource "secrets"');
    expect(retries).toEqual([]);
  });

  it('an unreachable server is a KubeTransportError after the retries', async () => {
    const dead = apiFor(kube.kubeconfig().replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1'), { deadlineMs: 300, retry: { maxAttempts: 2, baseDelayMs: 5 } });
    await expect(dead.serverVersion()).rejects.toBeInstanceOf(KubeTransportError);
  });

  it('reads every page of a paginated list', async () => {
    for (let i = 0; i < 7; i += 1) kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'paged', labels: { page: 'yes' } }, data: {} });
    kube.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'paged' }, data: {} });
    const result = await api.list(R.configMaps, { namespace: 'paged', labelSelector: 'page=yes', pageSize: 3 });
    expect(result.items.map((item) => item.metadata.name)).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
    // Items of built-in lists come without kind/apiVersion; the API layer puts them back.
    expect(result.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    const pages = kube.requests.filter((r) => r.path.includes('/namespaces/paged/configmaps'));
    expect(pages).toHaveLength(3);
  });

  it('an expired continue token is a 410', async () => {
    kube.compact();
    const token = Buffer.from(JSON.stringify({ rv: 1, after: '/x' })).toString('base64');
    await expect(api.client.request({ method: 'GET', path: '/api/v1/configmaps', query: { continue: token, limit: 1 }, describe: { verb: 'list', resource: 'configmaps' } })).rejects.toMatchObject({ status: 410, reason: 'Expired' });
  });

  it('creates, tolerates a retried create of our own object, merge-patches and deletes with a uid precondition', async () => {
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'own', labels: { mine: 'yes' } } };
    const created = await api.create(R.namespaces, namespace);
    expect(created.metadata.uid).toBeTruthy();
    await expect(api.create(R.namespaces, namespace)).rejects.toMatchObject({ status: 409 });
    await expect(api.createOwned(R.namespaces, namespace, (o) => o.metadata.labels?.mine === 'yes')).resolves.toMatchObject({ metadata: { uid: created.metadata.uid } });
    await expect(api.createOwned(R.namespaces, namespace, () => false)).rejects.toMatchObject({ status: 409 });
    const patched = await api.mergePatch(R.namespaces, 'own', undefined, { metadata: { labels: { extra: 'x' } } });
    expect(patched.metadata.labels).toEqual({ mine: 'yes', extra: 'x' });
    await expect(api.delete(R.namespaces, 'own', undefined, { uid: 'not-the-uid' })).rejects.toMatchObject({ status: 409 });
    expect(await api.delete(R.namespaces, 'own', undefined, { uid: created.metadata.uid })).toBe(true);
    expect(await api.delete(R.pods, 'never-there', 'own')).toBe(false);
  });

  it('a Velero object the CRD rejects is a 422 Invalid', async () => {
    kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } });
    const bad = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'bad', namespace: 'velero' }, spec: { includedNamespaces: 'not-a-list' } };
    await expect(api.create(R.backups, bad as never)).rejects.toMatchObject({ status: 422, reason: 'Invalid' });
  });

  it('get of a missing object is undefined; pod logs come back as text', async () => {
    expect(await api.get(R.pods, 'nope', 'velero')).toBeUndefined();
    kube.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'velero' }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } });
    kube.setLog('velero', 'p', 'one\ntwo\nthree\n');
    expect(await api.podLog('velero', 'p', { tailLines: 2 })).toBe('two\nthree\n');
    await expect(api.podLog('velero', 'p', { container: 'other' })).rejects.toMatchObject({ status: 400 });
  });

  it('discovery: velero.io served or not', async () => {
    expect(await api.serves({ group: 'velero.io', version: 'v1' })).toBe(true);
    kube.veleroInstalled = false;
    try {
      expect(await api.serves({ group: 'velero.io', version: 'v1' })).toBe(false);
      await expect(api.list(R.backups, { namespace: 'velero' })).rejects.toMatchObject({ status: 404 });
    } finally {
      kube.veleroInstalled = true;
    }
  });
});

describe('plain http API servers', () => {
  it('works only with insecure-skip-tls-verify, as client-node requires', async () => {
    const plain = await FakeKube.start({ tls: false });
    try {
      const yaml = plain.kubeconfig();
      expect(yaml).toContain('insecure-skip-tls-verify: true');
      expect((await apiFor(yaml).serverVersion()).gitVersion).toBe('v1.34.1');
      await expect(apiFor(yaml.replace('insecure-skip-tls-verify: true', 'insecure-skip-tls-verify: false')).serverVersion()).rejects.toThrow(/HTTP protocol is not allowed/);
    } finally {
      await plain.stop();
    }
  });
});
