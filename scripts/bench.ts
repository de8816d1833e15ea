/**
 * Benchmark: does judging grow linearly with the size of a cluster? Takes the healthy snapshot
 * fixture, multiplies its application namespace (pods, PVCs, PVs, PodVolumeBackups, repository)
 * N and 10·N times, and times building the State plus judging every catalog item. Prints ratios,
 * which — unlike absolute times — mean the same on any machine: a ratio near 10 is linear, near
 * 100 quadratic. Run: `npx tsx scripts/bench.ts [N]`.
 */
import { performance } from 'node:perf_hooks';
import { CATALOG, type ItemId } from '../harness/catalog.ts';
import { buildState, flattenLists } from '../harness/collect/objects.ts';
import { judgeItem } from '../harness/judge/index.ts';
import { defaultPlan } from '../harness/plan.ts';
import type { KubeObject } from '../harness/state.ts';
import { HEALTHY_SNAPSHOT } from '../fixtures/snapshots/variants.ts';
import { readFixtureDocuments } from '../fixtures/snapshots/load.ts';

const APP_NAMESPACE = 'paperless';

function belongsToApp(object: KubeObject): boolean {
  const spec = (object.spec ?? {}) as { pod?: { namespace?: string }; claimRef?: { namespace?: string }; volumeNamespace?: string };
  return (
    object.metadata.namespace === APP_NAMESPACE ||
    (object.kind === 'Namespace' && object.metadata.name === APP_NAMESPACE) ||
    spec.pod?.namespace === APP_NAMESPACE ||
    spec.claimRef?.namespace === APP_NAMESPACE ||
    spec.volumeNamespace === APP_NAMESPACE
  );
}

/** The healthy capture with its application namespace present `copies` times. */
export function scaledSnapshot(copies: number): unknown[] {
  const objects = flattenLists(readFixtureDocuments(HEALTHY_SNAPSHOT.files)) as KubeObject[];
  const app = objects.filter(belongsToApp);
  const scaled: unknown[] = objects.filter((object) => !belongsToApp(object));
  for (let copy = 0; copy < copies; copy++) {
    const text = JSON.stringify(app)
      .replaceAll(`"${APP_NAMESPACE}`, `"${APP_NAMESPACE}${copy}`)
      .replaceAll('"pvc-', `"pvc-${copy}-`);
    for (const object of JSON.parse(text) as KubeObject[]) {
      // PodVolumeBackups and uids must stay unique across copies.
      if (object.kind === 'PodVolumeBackup') object.metadata.name = `${object.metadata.name}-${copy}`;
      if (object.metadata.uid) object.metadata.uid = `${object.metadata.uid.slice(0, 24)}${String(copy).padStart(12, '0')}`;
      scaled.push(object);
    }
  }
  return scaled;
}

function judgeAll(values: unknown[]): number {
  const plan = defaultPlan();
  const started = performance.now();
  const state = buildState(values, { source: { target: 'snapshot', description: 'bench' }, namespace: plan.namespace, credentialKeys: ['cloud'] });
  const context = { state, plan, target: 'snapshot' as const, now: new Date(state.capturedAt ?? HEALTHY_SNAPSHOT.capturedAt) };
  for (const item of CATALOG) judgeItem(item.id as ItemId, context);
  return performance.now() - started;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(values: unknown[], rounds = 5): number {
  judgeAll(values); // warm-up: JIT and caches
  return median(Array.from({ length: rounds }, () => judgeAll(values)));
}

function main(): void {
const base = Number(process.argv[2] ?? 20);
const small = scaledSnapshot(base);
const large = scaledSnapshot(base * 10);
const smallMs = time(small);
const largeMs = time(large);
const ratio = largeMs / smallMs;
console.log(`objects: ${small.length} → ${large.length} (×${(large.length / small.length).toFixed(1)})`);
console.log(`judge all ${CATALOG.length} items: ×${ratio.toFixed(1)} time for ×10 application namespaces`);
console.log(ratio < 20 ? 'linear enough (ratio < 20)' : `SUPERLINEAR: ratio ${ratio.toFixed(1)} — look for nested scans over pods × PodVolumeBackups`);
}

if (process.argv[1]?.endsWith('bench.ts')) main();
