import { describe, expect, it } from 'vitest';
import { CATALOG, type ItemId } from '../catalog.ts';
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

  it('never approves zero results', () => {
    const report = build([]);
    expect(report.verdict).toBe('REJECT');
    expect(report.items.filter((item) => item.status === 'fail').length).toBe(snapshotIds.length);
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

describe('renderers', () => {
  const report = build(snapshotIds.map((id) => (id === 'must.s3-target' ? failed(id, 'set bucket <homelab> & retry') : passed(id))));

  it('prints remediation only for failures in Markdown', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('**Remediation:** set bucket <homelab> & retry');
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
