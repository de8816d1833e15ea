/**
 * waitFor: the watch makes it quick, the periodic GET makes it safe. Each case changes the object
 * through the fake's in-process API (as Velero would) and checks which path saw the change. No case
 * measures time: where the watch must deliver, the poll period is longer than the deadline, so only
 * the watch can; deadlines are generous so that a busy machine cannot end a wait early.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
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
const openWatches = () => vi.waitFor(() => expect(kube.openWatchCount()).toBeGreaterThan(0), { timeout: 10_000, interval: 10 });
// The server notices a closed watch connection within moments; a busy machine may take longer.
const watchesClosed = () => vi.waitFor(() => expect(kube.openWatchCount()).toBe(0), { timeout: 10_000, interval: 10 });
/** Longer than any deadline below: a wait that resolves with it was answered by the watch, not the poll. */
const NO_POLL = 120_000;

describe('waitFor', () => {
  it('reacts through the watch, not the next poll', async () => {
    const name = newBackup();
    const lines: string[] = [];
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 20_000, pollMs: NO_POLL, onProgress: (line) => lines.push(line) });
    await openWatches();
    setPhase(name, 'Completed');
    const object = await waiting;
    expect(completed(object)).toBe(true);
    expect(lines.some((line) => line.includes('phase InProgress'))).toBe(true);
    expect(lines.at(-1)).toContain('phase Completed');
    // The watch connection is torn down.
    await watchesClosed();
  });

  it('a silently dropped (stalled) watch cannot hang it: the periodic GET sees the change', async () => {
    const name = newBackup();
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 20_000, pollMs: 150 });
    await openWatches();
    kube.stallWatches();
    setPhase(name, 'Completed');
    await expect(waiting).resolves.toMatchObject({ status: { phase: 'Completed' } });
  });

  it('a closed watch is restarted and still reacts', async () => {
    const name = newBackup();
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 20_000, pollMs: NO_POLL });
    await openWatches();
    kube.closeWatches(); // forgets them at once: the count is 0 until the client watches again
    await openWatches(); // the restarted watch (at most twice a second)
    setPhase(name, 'Completed');
    await expect(waiting).resolves.toMatchObject({ status: { phase: 'Completed' } });
  });

  it('410 Gone (watch expired): resyncs with a GET and a new watch, losing no event', async () => {
    const name = newBackup();
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 20_000, pollMs: NO_POLL });
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
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 20_000, pollMs: 300 });
    await new Promise((r) => setTimeout(r, 50));
    kube.compact();
    setPhase(name, 'Completed');
    await expect(waiting).resolves.toMatchObject({ status: { phase: 'Completed' } });
  });

  it('the deadline rejects with WaitTimeoutError carrying the last object seen', async () => {
    const name = newBackup();
    const error = (await waitFor(api, ref(name), completed, { deadlineMs: 300, pollMs: 50 }).catch((e) => e)) as WaitTimeoutError;
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.last?.status).toEqual({ phase: 'InProgress' });
    // The deadline as configured, however long the machine actually took.
    expect(error.message).toBe(`Backup velero/${name} did not reach the expected state within the 0.3s deadline (last seen: phase InProgress)`);
    await watchesClosed();
  });

  it('waits for absence (deletion)', async () => {
    const name = newBackup();
    const waiting = waitFor(api, ref(name), (object) => object === undefined, { deadlineMs: 20_000, pollMs: NO_POLL });
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
    // A wait that ran to its deadline would reject with WaitTimeoutError, which has no status.
    await expect(waitFor(api, ref(name), completed, { deadlineMs: 20_000, pollMs: 100 })).rejects.toMatchObject({ status: 403 });
  });

  it('500s on the GET are survived until the watch delivers', async () => {
    const name = newBackup();
    kube.fault({ verb: 'get', resource: 'backups', name, status: 500, times: 50 });
    const waiting = waitFor(api, ref(name), completed, { deadlineMs: 20_000, pollMs: 100 });
    await openWatches();
    setPhase(name, 'Completed');
    await expect(waiting).resolves.toMatchObject({ status: { phase: 'Completed' } });
  });
});
