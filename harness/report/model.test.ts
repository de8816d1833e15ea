import { describe, expect, it } from 'vitest';
import { CATALOG, catalogItem, type ItemId } from '../catalog.ts';
import { defaultPlan } from '../plan.ts';
import type { RunContext } from '../run-context.ts';
import { buildReport, type ItemResult } from './model.ts';
import { renderJunit } from './render-junit.ts';
import { renderMarkdown } from './render-markdown.ts';

const NOW = '2026-11-25T10:00:00.000Z';

function run(overrides: Partial<RunContext> = {}): RunContext {
  return { runId: 'r1', target: 'snapshot', targetDescription: 'snap', plan: defaultPlan(), planSource: 'defaults', now: NOW, startedAt: NOW, toolVersions: {}, ...overrides };
}

function passed(id: ItemId): ItemResult {
  return { id, state: 'passed', errors: [], finding: { id, status: 'pass', summary: `${id} ok`, evidence: [`${id} evidence`] } };
}

function failed(id: ItemId, remediation = `fix ${id}`): ItemResult {
  return { id, state: 'failed', errors: ['AssertionError'], finding: { id, status: 'fail', summary: `${id} broken`, evidence: ['observed x'], remediation } };
}

const snapshotIds = CATALOG.filter((item) => (item.targets as readonly string[]).includes('snapshot')).map((item) => item.id as ItemId);

function build(results: ItemResult[], options: { problems?: string[]; run?: Partial<RunContext> } = {}) {
  return buildReport({ run: run(options.run), results, problems: options.problems ?? [], finishedAt: new Date(NOW), toolVersion: '0.0.0' });
}

describe('verdict rules', () => {
  it('approves when every evaluable item passed; items the target cannot evaluate are listed as skipped', () => {
    const report = build(snapshotIds.map(passed));
    expect(report.verdict).toBe('APPROVE');
    const restore = report.items.find((item) => item.id === 'beyond.restore')!;
    expect(restore.status).toBe('skip');
    expect(restore.notEvaluable).toBe(true);
    expect(report.summaryLine).toBe('Backup [PASS] | Restore [SKIPPED] | VERDICT: APPROVE');
  });

  it('rejects when a required item failed and keeps its remediation', () => {
    const results = snapshotIds.map((id) => (id === 'dod.bsl-available' ? failed(id) : passed(id)));
    const report = build(results);
    expect(report.verdict).toBe('REJECT');
    expect(report.items.find((item) => item.id === 'dod.bsl-available')?.remediation).toBe('fix dod.bsl-available');
    expect(report.verdictReasons[0]).toContain('dod.bsl-available');
  });

  it('does not reject for a failed advisory item', () => {
    const results = snapshotIds.map((id) => (id === 'beyond.repository' ? failed(id) : passed(id)));
    expect(build(results).verdict).toBe('APPROVE');
  });

  it('an advisory item whose test passed by design with a failed finding is listed as FAIL, with its reason, and still approves', () => {
    const results = snapshotIds.map((id): ItemResult => (id === 'beyond.repository' ? { ...failed(id), state: 'passed', errors: [] } : passed(id)));
    const report = build(results);
    expect(report.verdict).toBe('APPROVE');
    const item = report.items.find((entry) => entry.id === 'beyond.repository')!;
    expect(item).toMatchObject({ status: 'fail', reason: 'beyond.repository broken', remediation: 'fix beyond.repository' });
    // A required item cannot pass its test with a failed finding.
    const forged = build(snapshotIds.map((id): ItemResult => (id === 'dod.bsl-available' ? { ...failed(id), state: 'passed', errors: [] } : passed(id))));
    expect(forged.verdict).toBe('REJECT');
    expect(forged.items.find((entry) => entry.id === 'dod.bsl-available')!.reason).toMatch(/harness defect/);
  });

  it('never approves zero results', () => {
    const report = build([]);
    expect(report.verdict).toBe('REJECT');
    expect(report.items.filter((item) => item.status === 'fail').length).toBe(snapshotIds.length);
  });

  it('never approves on advisory passes alone (an empty `velero restore get` table proves nothing required)', () => {
    const results = snapshotIds.map((id): ItemResult => (catalogItem(id).severity === 'advisory' ? passed(id) : { id, state: 'skipped', errors: [], skipNote: 'Not shown in this evidence: no data' }));
    const report = build(results);
    expect(report.verdict).toBe('REJECT');
    expect(report.verdictReasons).toContain('Nothing was verified: no required item passed.');
  });

  it('never approves when every item was skipped', () => {
    const results = snapshotIds.map((id): ItemResult => ({ id, state: 'skipped', errors: [], skipNote: 'no data' }));
    expect(build(results).verdict).toBe('REJECT');
  });

  it('rejects an interrupted run or one with run problems', () => {
    expect(build(snapshotIds.map(passed), { problems: ['The run was interrupted before every check finished.'] }).verdict).toBe('REJECT');
  });

  it('treats a test that passed without a passing finding as a failure', () => {
    const results = snapshotIds.map((id) => (id === 'must.schedule' ? { id, state: 'passed' as const, errors: [] } : passed(id)));
    expect(build(results).verdict).toBe('REJECT');
  });

  it('reports NOT RUN when the target could not run, whatever the tests say', () => {
    const report = build([], { run: { target: 'kind', notRun: 'Docker engine not reachable' } });
    expect(report.verdict).toBe('NOT RUN');
    expect(report.summaryLine).toBe('Backup [SKIPPED] | Restore [SKIPPED] | VERDICT: NOT RUN');
    expect(report.items.every((item) => item.status === 'skip' && item.reason.includes('Docker engine'))).toBe(true);
  });
});

describe('live targets: a required item not verified blocks APPROVE', () => {
  const clusterIds = CATALOG.filter((item) => (item.targets as readonly string[]).includes('cluster')).map((item) => item.id as ItemId);
  const skippedBy = (reason: string) => (id: ItemId): ItemResult => ({ id, state: 'skipped', errors: [], finding: { id, status: 'skip', summary: reason, evidence: [] } });

  it.each(['cluster', 'kind'] as const)('on %s, a required item the judge could not decide rejects with "not verified: <reason>"', (target) => {
    // Before, a Secrets RBAC gap skipped guard.k8s-secrets and the run still approved.
    const reason = 'Secrets in velero could not be read (403 Forbidden)';
    const results = clusterIds.map((id) => (id === 'guard.k8s-secrets' ? skippedBy(reason)(id) : passed(id)));
    const report = build(results, { run: { target } });
    expect(report.verdict).toBe('REJECT');
    expect(report.verdictReasons).toContain(`Required item guard.k8s-secrets not verified: ${reason}`);
    expect(report.items.find((item) => item.id === 'guard.k8s-secrets')).toMatchObject({ status: 'skip', skipKind: 'not-verified' });
    expect(report.required).toMatchObject({ verified: clusterIds.filter((id) => catalogItem(id).severity === 'required').length - 1, notVerified: 1 });
    expect(report.headline).toMatch(/^\d+ of \d+ required items the \w+ target can judge were verified; 1 not verified$/);
  });

  it('an advisory item not verified does not block', () => {
    const results = clusterIds.map((id) => (id === 'beyond.repository' ? skippedBy('no BackupRepository')(id) : passed(id)));
    expect(build(results, { run: { target: 'cluster' } }).verdict).toBe('APPROVE');
  });

  it('--read-only opts out of the drill: NOT RUN in the one-line verdict, not blocking', () => {
    const results = clusterIds.map((id) => (id === 'beyond.restore' ? skippedBy('The restore drill did not run (--read-only).')(id) : passed(id)));
    const report = build(results, { run: { target: 'cluster', optedOut: { 'beyond.restore': '--read-only' } } });
    expect(report.verdict).toBe('APPROVE');
    expect(report.summaryLine).toBe('Backup [PASS] | Restore [NOT RUN: --read-only] | VERDICT: APPROVE');
    expect(report.items.find((item) => item.id === 'beyond.restore')).toMatchObject({ skipKind: 'opted-out', reason: expect.stringMatching(/^NOT RUN: --read-only — /) });
    expect(report.headline).toContain('1 not run by choice');
  });

  it('the same skip without the opt-out (the drill result is missing) blocks', () => {
    const results = clusterIds.map((id) => (id === 'beyond.restore' ? skippedBy('The restore drill did not run.')(id) : passed(id)));
    const report = build(results, { run: { target: 'cluster' } });
    expect(report.verdict).toBe('REJECT');
    expect(report.summaryLine).toBe('Backup [PASS] | Restore [SKIPPED] | VERDICT: REJECT');
    expect(report.verdictReasons).toContain('Required item beyond.restore not verified: The restore drill did not run.');
  });

  it('offline targets keep the three other kinds apart and do not block on them', () => {
    const results = snapshotIds.map((id) => (id === 'dod.data-in-bucket' ? skippedBy('the snapshot holds no bucket capture')(id) : passed(id)));
    const report = build(results);
    expect(report.verdict).toBe('APPROVE');
    expect(report.items.find((item) => item.id === 'dod.data-in-bucket')!.skipKind).toBe('not-shown');
    expect(report.items.find((item) => item.id === 'beyond.restore')!.skipKind).toBe('not-evaluable');
    expect(report.headline).toContain('1 not shown in this evidence; 1 not evaluable on this target');
  });
});

describe('renderers', () => {
  const report = build(snapshotIds.map((id) => (id === 'must.s3-target' ? failed(id, 'set bucket <homelab> & retry') : passed(id))));

  it('prints remediation only for failures in Markdown', () => {
    const markdown = renderMarkdown(report);
    // Escaped: text in audit.md is never HTML (hostile-text.test.ts).
    expect(markdown).toContain('**Remediation:** set bucket &lt;homelab&gt; &amp; retry');
    expect(markdown.match(/\*\*Remediation:\*\*/g)).toHaveLength(1);
    expect(markdown).toContain('VERDICT: REJECT');
  });

  it('writes one JUnit testcase per catalog item with escaped failure text', () => {
    const xml = renderJunit(report);
    expect(xml.match(/<testcase /g)).toHaveLength(CATALOG.length);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain('set bucket &lt;homelab&gt; &amp; retry');
    expect(xml).not.toMatch(/<homelab>/);
  });
});

describe('a target that failed to set up', () => {
  it('rejects with the setup error as the reason, even with no results', () => {
    const report = build([], { run: { target: 'kind', setupError: 'helm upgrade --install did not finish within 10m' } });
    expect(report.verdict).toBe('REJECT');
    expect(report.verdictReasons.join('\n')).toContain('helm upgrade --install did not finish within 10m');
  });
});
