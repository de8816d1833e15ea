import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defaultPlan } from '../plan.ts';
import type { RunContext } from '../run-context.ts';
import { emptyObjects } from '../state.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import type { AuditReport } from './model.ts';

const run = promisify(execFile);

function runContext(): RunContext {
  const now = '2026-11-25T10:00:00.000Z';
  return {
    runId: 'test-run',
    target: 'snapshot',
    targetDescription: 'reporter case',
    plan: defaultPlan(),
    planSource: 'built-in homelab defaults',
    now,
    startedAt: now,
    state: { source: { target: 'snapshot', description: 'case' }, namespace: 'velero', objects: emptyObjects(), ignoredKinds: {}, readGaps: [] },
    toolVersions: {},
  };
}

/** A real vitest run in a child process: seconds, far longer on a busy machine (the deadline only matters on a hang). */
const CHILD_DEADLINE_MS = 120_000;

/** Run one case folder of fixtures/reporter-cases through real vitest and the real reporter. */
async function reportOf(caseName: string): Promise<AuditReport> {
  const dir = mkdtempSync(join(tmpdir(), 'vv-reporter-'));
  const runFile = join(dir, 'run.json');
  writeFileSync(runFile, JSON.stringify(runContext()));
  await run(join(REPO_ROOT, 'node_modules/.bin/vitest'), ['run', '--config', 'fixtures/reporter-cases/vitest.config.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, VELERO_VERIFY_CASE: caseName, VELERO_VERIFY_RUN_FILE: runFile, VELERO_VERIFY_REPORT_DIR: dir },
    timeout: CHILD_DEADLINE_MS,
  }).catch((error: unknown) => error); // vitest exits 1 on the broken cases; the report is what we judge
  return JSON.parse(readFileSync(join(dir, 'audit.json'), 'utf8')) as AuditReport;
}

describe('audit reporter against real vitest runs', { timeout: 2 * CHILD_DEADLINE_MS }, () => {
  it('approves when every item passed', async () => {
    const report = await reportOf('all-pass');
    expect(report.verdict).toBe('APPROVE');
    expect(report.counts.fail).toBe(0);
  });

  it('counts the tests of a suite whose beforeAll threw as failed, not skipped', async () => {
    const report = await reportOf('before-all-throws');
    expect(report.verdict).toBe('REJECT');
    const failed = report.items.filter((item) => item.status === 'fail').map((item) => item.id);
    expect(failed).toEqual(['dod.pods-running', 'dod.bsl-available', 'dod.manual-backup', 'dod.data-in-bucket']);
    expect(report.items[0].reason).toContain('connection refused');
  });

  it('rejects when a spec file fails to load: its items have no result', async () => {
    const report = await reportOf('import-throws');
    expect(report.verdict).toBe('REJECT');
    expect(report.items.find((item) => item.id === 'dod.pods-running')?.reason).toMatch(/No result/);
    expect(report.problems.join('\n')).toContain('spec file broken at import');
  });

  it('rejects a run with an unhandled error even when every item passed', async () => {
    const report = await reportOf('unhandled-error');
    expect(report.verdict).toBe('REJECT');
    expect(report.counts.fail).toBe(0);
    expect(report.problems.join('\n')).toContain('late failure in the background');
  });
});
