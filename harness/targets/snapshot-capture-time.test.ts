/**
 * A snapshot does not vouch for its own freshness: the capture time scripts/capture.mjs records
 * is "now"; without one, "now" is inferred from the data and the report says so.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HEALTHY_SNAPSHOT } from '../../fixtures/snapshots/variants.ts';
import { judgeItem } from '../judge/index.ts';
import { defaultPlan } from '../plan.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import { buildReport } from '../report/model.ts';
import { collectSnapshot } from './snapshot.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function healthyCopy(capturedAt?: string): string {
  dir = mkdtempSync(join(tmpdir(), 'vv-snapshot-'));
  for (const file of HEALTHY_SNAPSHOT.files) copyFileSync(join(REPO_ROOT, file), join(dir, basename(file)));
  if (capturedAt !== undefined) {
    mkdirSync(join(dir, 'velero-verify'));
    writeFileSync(join(dir, 'velero-verify', 'capture.json'), capturedAt);
  }
  return dir;
}

describe('the capture time of a snapshot', () => {
  it('an old capture of a stopped Velero is judged at its recorded time: stale, not fresh', async () => {
    // The data's newest timestamp is 2026-06-15T10:30Z; the capture was taken five days later.
    const plan = defaultPlan();
    const state = await collectSnapshot(healthyCopy(JSON.stringify({ capturedAt: '2026-06-20T10:30:00Z' })), plan);
    expect(state).toMatchObject({ capturedAt: '2026-06-20T10:30:00.000Z', capturedAtSource: 'recorded' });
    const finding = judgeItem('beyond.freshness', { state, plan, target: 'snapshot', now: new Date(state.capturedAt!) });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/finished 127.5h ago, older than 30h$/);
  });

  it('without a recorded time, "now" is inferred from the data and the report warns', async () => {
    const plan = defaultPlan();
    const state = await collectSnapshot(healthyCopy(), plan);
    expect(state).toMatchObject({ capturedAt: new Date(HEALTHY_SNAPSHOT.capturedAt).toISOString(), capturedAtSource: 'inferred' });
    const run = { runId: 'r', target: 'snapshot' as const, targetDescription: 'x', plan, planSource: 'defaults', now: state.capturedAt!, nowSource: 'inferred' as const, startedAt: state.capturedAt!, toolVersions: {}, state };
    const report = buildReport({ run, results: [], problems: [], finishedAt: new Date(), toolVersion: '0' });
    expect(report.warnings).toEqual([expect.stringMatching(/^"now" was inferred from the newest timestamp in the snapshot \(2026-06-15T10:30:00\.000Z\).*scripts\/capture\.mjs.*--now/)]);
    expect(buildReport({ run: { ...run, nowSource: 'flag' }, results: [], problems: [], finishedAt: new Date(), toolVersion: '0' }).warnings).toEqual([]);
  });

  it('a damaged capture record is a bad input naming the file', async () => {
    await expect(collectSnapshot(healthyCopy('{"capturedAt": "yesterday"}'), defaultPlan())).rejects.toThrow(/velero-verify\/capture\.json has no valid "capturedAt" time/);
  });
});
