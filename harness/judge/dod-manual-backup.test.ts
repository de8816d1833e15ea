import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { MANUAL_BACKUP, SCHEDULED_BACKUPS } from '../../fixtures/snapshots/homelab/constants.ts';
import { triage } from '../evidence/triage.ts';
import { parsePlan } from '../plan.ts';
import { judgeManualBackup } from './dod-manual-backup.ts';
import { judgeItem } from './index.ts';

function withManual(status: Record<string, unknown>, options: { backupName?: string } = {}) {
  const capture = Capture.healthy();
  capture.backup(MANUAL_BACKUP).status = status;
  return judgeManualBackup(contextOf(capture, options));
}

describe('dod.manual-backup', () => {
  it('passes a Completed backup; missing counts are 0 (omitempty)', () => {
    const finding = withManual({ phase: 'Completed', progress: { itemsBackedUp: 10, totalItems: 10 } });
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('Backup verification-test is Completed (errors=0, warnings=0)');
    expect(finding.evidence).toContain('Backup verification-test: status.phase=Completed, errors=0, warnings=0, progress=10/10 items');
  });

  it('warnings on a Completed backup do not fail it, but are shown', () => {
    const finding = withManual({ phase: 'Completed', warnings: 2 });
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.[0]).toMatch(/completed with 2 warning/);
  });

  it('PartiallyFailed fails even with every item backed up, showing errors and progress', () => {
    const finding = withManual({ phase: 'PartiallyFailed', errors: 3, progress: { itemsBackedUp: 214, totalItems: 214 } });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('Backup verification-test is PartiallyFailed with 3 error(s) (214/214 items backed up)');
    expect(finding.evidence).toContain('Backup verification-test: status.phase=PartiallyFailed, errors=3, warnings=0, progress=214/214 items');
    expect(finding.remediation).toMatch(/backup describe verification-test --details/);
  });

  it('Failed fails even with 0 errors, showing failureReason', () => {
    const finding = withManual({ phase: 'Failed', failureReason: 'unable to get BSL' });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('Backup verification-test Failed: unable to get BSL');
    expect(finding.evidence).toContain('Backup verification-test: failureReason: unable to get BSL');
  });

  it('FailedValidation fails with its validationErrors', () => {
    const finding = withManual({ phase: 'FailedValidation', validationErrors: ['invalid included namespace x', 'BSL unavailable'] });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('Backup verification-test failed validation: invalid included namespace x; BSL unavailable');
    expect(finding.evidence).toContain('Backup verification-test: validationError: BSL unavailable');
  });

  for (const phase of ['New', 'Queued', 'ReadyToStart', 'InProgress', 'WaitingForPluginOperations', 'WaitingForPluginOperationsPartiallyFailed', 'Finalizing', 'FinalizingPartiallyFailed', '']) {
    it(`a backup in phase "${phase || '(empty)'}" has not finished`, () => {
      const finding = withManual(phase ? { phase } : {});
      expect(finding.status).toBe('fail');
      expect(finding.summary).toMatch(/has not finished/);
    });
  }

  it('a backup being deleted fails', () => {
    expect(withManual({ phase: 'Deleting' }).summary).toMatch(/being deleted/);
  });

  it('judges the backup named with --backup, and fails naming it when it does not exist', () => {
    const named = withManual({ phase: 'PartiallyFailed', errors: 1 }, { backupName: SCHEDULED_BACKUPS[1] });
    expect(named.status).toBe('pass');
    expect(named.evidence[0]).toBe(`Judged backup ${SCHEDULED_BACKUPS[1]}: named by --backup ${SCHEDULED_BACKUPS[1]}`);
    const missing = judgeManualBackup(contextOf(Capture.healthy(), { backupName: 'drill-123' }));
    expect(missing.status).toBe('fail');
    expect(missing.summary).toMatch(/Backup drill-123 \(named with --backup\) does not exist/);
  });

  it('fails "no manual backup found" when only scheduled backups exist', () => {
    const finding = judgeManualBackup(contextOf(Capture.healthy().removeBackup(MANUAL_BACKUP)));
    expect(finding).toMatchObject({ status: 'fail', summary: 'No manual backup found' });
    expect(finding.remediation).toMatch(/velero backup create verification-test --wait/);
  });

  it('judges the newest manual backup: a newer failure is not hidden by an older success', () => {
    const capture = Capture.healthy();
    const retry = structuredClone(capture.backup(MANUAL_BACKUP));
    retry.metadata.name = 'verification-test-2';
    retry.metadata.creationTimestamp = '2026-06-15T10:10:00Z';
    retry.status = { phase: 'PartiallyFailed', errors: 1 };
    capture.add(retry);
    expect(judgeManualBackup(contextOf(capture)).summary).toMatch(/^Backup verification-test-2 is PartiallyFailed/);
  });
});

// A paste lists only the backups it printed, and a `velero backup get` row carries no labels: which
// backup is the manual one is not shown, so every backup shown is judged.
describe('dod.manual-backup on pasted evidence', () => {
  const BACKUP_GET = '$ velero backup get\nNAME        STATUS            ERRORS   WARNINGS   CREATED                         EXPIRES   STORAGE LOCATION   SELECTOR';
  const row = (name: string, phase: string) => `${name.padEnd(12)}${phase.padEnd(18)}0        0          2025-03-02 10:00:00 +0000 UTC   30d       default            <none>`;
  const PLAN = parsePlan({ expect: false });
  async function pasted(...rows: string[]) {
    const dir = mkdtempSync(join(tmpdir(), 'vv-manual-backup-'));
    writeFileSync(join(dir, 'paste.txt'), `${BACKUP_GET}\n${rows.join('\n')}\n`);
    const { findings, state } = await triage(join(dir, 'paste.txt'), PLAN);
    expect(state.evidence?.mode).toBe('paste');
    return { finding: findings.get('dod.manual-backup')!, state };
  }

  it('passes when every backup shown is Completed', async () => {
    const one = (await pasted(row('manual', 'Completed'))).finding;
    expect(one).toMatchObject({ status: 'pass', summary: 'Backup manual is Completed', evidence: ['Backup manual: Completed, errors=0, warnings=0'] });
    const two = (await pasted(row('manual', 'Completed'), row('nightly-1', 'Completed'))).finding;
    expect(two).toMatchObject({ status: 'pass', summary: 'All 2 backups shown are Completed' });
  });

  it('fails every backup shown that did not complete, scheduled or not; a backup left New or InProgress points at the server', async () => {
    const { finding } = await pasted(row('manual', 'Completed'), row('nightly-1', 'PartiallyFailed'), row('nightly-2', 'InProgress'));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('2 backup(s) shown did not complete: nightly-1 is PartiallyFailed; nightly-2 is InProgress');
    expect(finding.remediation).toMatch(/A backup that stays New means the velero server is not running/);
  });

  it('leaves backups being deleted to beyond.retention: only those shown is "not shown"', async () => {
    const { finding } = await pasted(row('old-backup', 'Deleting'));
    expect(finding).toMatchObject({ status: 'skip', summary: 'Only backups being deleted are shown (old-backup); their outcome is not shown.' });
  });

  it('--backup NAME judges the named backup as on a full listing, and fails naming it when the paste does not show it', async () => {
    const { state } = await pasted(row('manual', 'Completed'), row('nightly-1', 'PartiallyFailed'));
    const judge = (backupName: string) => judgeItem('dod.manual-backup', { state, plan: PLAN, target: 'snapshot', now: new Date('2025-03-03T00:00:00Z'), backupName });
    expect(judge('manual')).toMatchObject({ status: 'pass', summary: 'Backup manual is Completed (errors=0, warnings=0)' });
    expect(judge('drill-1')).toMatchObject({ status: 'fail', summary: 'Backup drill-1 (named with --backup) does not exist in namespace velero' });
  });

  it('a backup table printed with no rows lists the backups in full: no manual backup, never "Velero is not installed"', async () => {
    const { finding } = await pasted();
    expect(finding).toMatchObject({ status: 'fail', summary: 'No manual backup found', evidence: ['No backup at all in velero'] });
  });

  it('is not verified, never "no manual backup", when a cluster read could not list the Backups', () => {
    const context = contextOf(Capture.healthy().remove((object) => object.kind === 'Backup'));
    context.target = 'cluster';
    context.state.readGaps.push({ resource: 'backups.velero.io', verb: 'list', namespace: 'velero', reason: 'forbidden' });
    const finding = judgeManualBackup(context);
    expect(finding.status).toBe('skip');
    expect(finding.summary).toBe('The Backups could not be read: list backups.velero.io in velero: forbidden');
  });
});
