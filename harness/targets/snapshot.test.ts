/**
 * The snapshot target at scale: each file is parsed once (JSON by JSON.parse, YAML by one js-yaml
 * pass), every fixture reads into the same State as before, and the spec workers receive
 * findings, not the state.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as jsYaml from 'js-yaml';
import { CATALOG, type ItemId } from '../catalog.ts';
import { judgeItem } from '../judge/index.ts';
import { forSpecWorkers, judgeContextOf, withFindings } from '../judge/judge-run.ts';
import { defaultPlan } from '../plan.ts';
import type { RunContext } from '../run-context.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import { HEALTHY_SNAPSHOT, VARIANTS } from '../../fixtures/snapshots/variants.ts';
import { readFixtureDocuments, stateFromObjects } from '../../fixtures/snapshots/load.ts';
import { kubectlJson, kubectlYaml, largeStateObjects } from '../../fixtures/snapshots/large.ts';
import { collectSnapshot } from './snapshot.ts';

vi.mock('js-yaml', async (importOriginal) => {
  const original = await importOriginal<typeof import('js-yaml')>();
  return { ...original, loadAll: vi.fn(original.loadAll) };
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.mocked(jsYaml.loadAll).mockClear();
});

const SMALL_LARGE_STATE = { backups: 40, pvbsPerBackup: 10, extraPods: 30 };

function capture(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vv-snapshot-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

function runOf(state: RunContext['state']): RunContext {
  return { runId: 'test', target: 'snapshot', targetDescription: 'test', plan: defaultPlan(), planSource: 'defaults', now: state!.capturedAt!, startedAt: state!.capturedAt!, state, toolVersions: {} };
}

describe('the snapshot target parses each file once', () => {
  it('reads kubectl JSON with one JSON.parse of the file and no YAML parser', async () => {
    const text = kubectlJson(largeStateObjects(SMALL_LARGE_STATE));
    const path = capture('state.json', text);
    const parse = vi.spyOn(JSON, 'parse');
    const state = await collectSnapshot(path, defaultPlan());
    expect(parse.mock.calls.filter(([input]) => input === text)).toHaveLength(1);
    expect(jsYaml.loadAll).not.toHaveBeenCalled();
    expect(state.objects.backups).toHaveLength(3 + SMALL_LARGE_STATE.backups);
    expect(state.objects.podVolumeBackups).toHaveLength(18 + SMALL_LARGE_STATE.backups * SMALL_LARGE_STATE.pvbsPerBackup);
  });

  it('reads kubectl YAML with one js-yaml pass into the same state as its JSON', async () => {
    const objects = largeStateObjects(SMALL_LARGE_STATE);
    const fromJson = await collectSnapshot(capture('state.json', kubectlJson(objects)), defaultPlan());
    const fromYaml = await collectSnapshot(capture('state.yaml', kubectlYaml(objects)), defaultPlan());
    expect(jsYaml.loadAll).toHaveBeenCalledTimes(1);
    const facts = (state: typeof fromJson) => ({ objects: state.objects, ignoredKinds: state.ignoredKinds, capturedAt: state.capturedAt, veleroInstalled: state.veleroInstalled });
    expect(facts(fromYaml)).toEqual(facts(fromJson));
  });
});

describe('every snapshot fixture keeps its state and its verdicts', () => {
  const fixtures = [{ name: 'healthy', files: [...HEALTHY_SNAPSHOT.files] }, ...VARIANTS.map((variant) => ({ name: variant.name, files: [variant.file] }))];

  it.each(fixtures)('$name: the product reader and the reference YAML reader agree on state and findings', async ({ files }) => {
    const reference = stateFromObjects(readFixtureDocuments(files));
    const states = await Promise.all(files.map((file) => collectSnapshot(join(REPO_ROOT, file), defaultPlan())));
    const read = stateFromObjects(states.flatMap((state) => Object.values(state.objects).flat().filter((object) => 'kind' in object)));
    // Secrets are summaries in a State: compare those directly.
    expect(states.flatMap((state) => state.objects.secrets)).toEqual(reference.objects.secrets);
    expect({ ...read.objects, secrets: [] }).toEqual({ ...reference.objects, secrets: [] });
    const readRun = runOf({ ...read, objects: { ...read.objects, secrets: reference.objects.secrets } });
    const referenceRun = runOf(reference);
    for (const item of CATALOG) {
      expect(judgeItem(item.id as ItemId, judgeContextOf(readRun))).toEqual(judgeItem(item.id as ItemId, judgeContextOf(referenceRun)));
    }
  });
});

describe('the spec workers receive findings, not the state', () => {
  it('carries one finding per catalog item, as the judges decide them, and no objects', async () => {
    const state = await collectSnapshot(join(REPO_ROOT, HEALTHY_SNAPSHOT.dir), defaultPlan());
    const run = runOf(state);
    const forWorkers = forSpecWorkers(run);
    expect(forWorkers.state).toBeUndefined();
    expect(Object.keys(forWorkers.findings ?? {}).sort()).toEqual(CATALOG.map((item) => item.id).sort());
    for (const item of CATALOG) expect(forWorkers.findings?.[item.id as ItemId]).toEqual(judgeItem(item.id as ItemId, judgeContextOf(run)));
  });

  it('stays small however large the state: the findings, not the objects, cross to the workers', async () => {
    const small = runOf(await collectSnapshot(capture('small.json', kubectlJson(largeStateObjects({ backups: 0, pvbsPerBackup: 10, extraPods: 0 }))), defaultPlan()));
    const large = runOf(await collectSnapshot(capture('large.json', kubectlJson(largeStateObjects({ backups: 400, pvbsPerBackup: 10, extraPods: 100 }))), defaultPlan()));
    const smallBytes = JSON.stringify(forSpecWorkers(small)).length;
    const largeBytes = JSON.stringify(forSpecWorkers(large)).length;
    expect(JSON.stringify(large.state).length).toBeGreaterThan(5 * JSON.stringify(small.state).length);
    expect(largeBytes).toBeLessThan(2 * smallBytes);
  });

  it('leaves a run without state (not run, setup failed) unjudged', () => {
    const notRun: RunContext = { ...runOf({ capturedAt: '2026-06-15T10:30:00Z' } as RunContext['state']), state: undefined, notRun: 'no kind' };
    expect(withFindings(notRun).findings).toBeUndefined();
  });
});
