import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { MANUAL_BACKUP, SCHEDULED_BACKUPS } from '../../fixtures/snapshots/homelab/constants.ts';
import { judgeManualBackup } from './dod-manual-backup.ts';

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
