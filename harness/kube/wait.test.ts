/**
 * waitFor: the watch makes it quick, the periodic GET makes it safe. Each case changes the object
 * through the fake's in-process API (as Velero would) and measures how the wait reacts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeKube } from '../../fixtures/doubles/fake-kube.ts';
import type { KubeObject } from '../state.ts';
import { KubeApi } from './api.ts';
import { KubeClient } from './client.ts';
import { loadKubeTarget } from './config.ts';
import { AbortedError } from './errors.ts';
import { R } from './resources.ts';
import { waitFor, WaitTimeoutError } from './wait.ts';

let kube: FakeKube;
let dir: string;
let api: KubeApi;
let counter = 0;

beforeAll(async () => {
  kube = await FakeKube.start();
  dir = mkdtempSync(join(tmpdir(), 'wait-'));
  writeFileSync(join(dir, 'kubeconfig'), kube.kubeconfig());
  api = new KubeApi(new KubeClient(loadKubeTarget({ kubeconfig: join(dir, 'kubeconfig'), env: {} }).kubeConfig, { retry: { baseDelayMs: 5 } }));
  kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } });
});
afterAll(async () => {
  await kube.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => kube.clearDenies());

function newBackup(): string {
  counter += 1;
  const name = `b-${counter}`;
  kube.put({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, namespace: 'velero' }, spec: {}, status: { phase: 'InProgress' } });
  return name;
}

function setPhase(name: string, phase: string): void {
  kube.update('Backup', name, 'velero', (backup) => {
    backup.status = { phase };
  });
}

const completed = (object: KubeObject | undefined) => (object?.status as { phase?: string } | undefined)?.phase === 'Completed';
const ref = (name: string) => ({ type: R.backups, name, namespace: 'velero' });
const openWatches = async () => {
  for (let i = 0; i < 100 && kube.openWatchCount() === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
};

describe('waitFor', () => {
  it('reacts through the watch well before the next poll', async () => {
    const name = newBackup();
    const lines: string[] = [];
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 10_000, pollMs: 8_000, onProgress: (line) => lines.push(line) });
    await openWatches();
    await new Promise((r) => setTimeout(r, 100));
    const changed = Date.now();
    setPhase(name, 'Completed');
    const object = await waiting;
    expect(Date.now() - changed).toBeLessThan(1_000);
    expect(completed(object)).toBe(true);
    expect(lines.some((line) => line.includes('phase InProgress'))).toBe(true);
    expect(lines.at(-1)).toContain('phase Completed');
    // The watch connection is torn down (the server notices within moments).
    for (let i = 0; i < 50 && kube.openWatchCount() > 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(kube.openWatchCount()).toBe(0);
  });

  it('a silently dropped (stalled) watch cannot hang it: the periodic GET sees the change', async () => {
    const name = newBackup();
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 5_000, pollMs: 150 });
    await openWatches();
    kube.stallWatches();
    setPhase(name, 'Completed');
    await expect(waiting).resolves.toMatchObject({ status: { phase: 'Completed' } });
  });

  it('a closed watch is restarted and still reacts quickly', async () => {
    const name = newBackup();
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 5_000, pollMs: 8_000 });
    await openWatches();
    kube.closeWatches();
    await new Promise((r) => setTimeout(r, 700)); // the watch restarts at most twice a second
    setPhase(name, 'Completed');
    const changed = Date.now();
    await waiting;
    expect(Date.now() - changed).toBeLessThan(1_500);
  });

  it('410 Gone (watch expired): resyncs with a GET and a new watch, losing no event', async () => {
    const name = newBackup();
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 5_000, pollMs: 8_000 });
    await openWatches();
    setPhase(name, 'Finalizing');
    kube.expireWatches(); // the change above happened before the expiry; the resync GET must see it
    await new Promise((r) => setTimeout(r, 50));
    setPhase(name, 'Completed');
    await expect(waiting).resolves.toMatchObject({ status: { phase: 'Completed' } });
    expect(kube.requests.some((r) => r.verb === 'get' && r.path.endsWith(`/backups/${name}`))).toBe(true);
  });

  it('a watch resumed from an old resourceVersion after compaction gets ERROR 410 and recovers', async () => {
    const name = newBackup();
    kube.compact();
    setPhase(name, 'Finalizing');
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 5_000, pollMs: 300 });
    await new Promise((r) => setTimeout(r, 50));
    kube.compact();
    setPhase(name, 'Completed');
    await expect(waiting).resolves.toMatchObject({ status: { phase: 'Completed' } });
  });

  it('the deadline rejects with WaitTimeoutError carrying the last object seen', async () => {
    const name = newBackup();
    const error = (await waitFor(api, ref(name), completed, { deadlineMs: 250, pollMs: 50 }).catch((e) => e)) as WaitTimeoutError;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.last?.status).toEqual({ phase: 'InProgress' });
    expect(error.message).toMatch(/Backup velero\/b-\d+ did not reach the expected state within 0.\ds \(last seen: phase InProgress\)/);
    for (let i = 0; i < 50 && kube.openWatchCount() > 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(kube.openWatchCount()).toBe(0);
  });

  it('waits for absence (deletion)', async () => {
    const name = newBackup();
    const waiting = waitFor(api, ref(name), (object) => object === undefined, { deadlineMs: 3_000, pollMs: 8_000 });
    await openWatches();
    kube.remove('Backup', name, 'velero');
    await expect(waiting).resolves.toBeUndefined();
  });

  it('an AbortSignal stops it with AbortedError', async () => {
    const name = newBackup();
    const controller = new AbortController();
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 5_000, pollMs: 100, signal: controller.signal });
    setTimeout(() => controller.abort('SIGINT'), 50);
    await expect(waiting).rejects.toEqual(new AbortedError('SIGINT'));
  });

  it('403 on the GET rejects at once (not at the deadline)', async () => {
    const name = newBackup();
    kube.deny({ verb: 'get', resource: 'backups.velero.io' });
    const started = Date.now();
    await expect(waitFor(api, ref(name), completed, { deadlineMs: 5_000, pollMs: 100 })).rejects.toMatchObject({ status: 403 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('500s on the GET are survived until the watch delivers', async () => {
    const name = newBackup();
    kube.fault({ verb: 'get', resource: 'backups', name, status: 500, times: 50 });
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 5_000, pollMs: 100 });
    await openWatches();
    setPhase(name, 'Completed');
    await expect(waiting).resolves.toMatchObject({ status: { phase: 'Completed' } });
  });
});
