import { describe, expect, it } from 'vitest';
import { defaultPlan } from '../plan.ts';
import { emptyObjects, type State } from '../state.ts';
import type { DrillResult } from '../drill/types.ts';
import { judgeItem } from './index.ts';
import { judgeRestore } from './beyond-restore.ts';
import type { JudgeContext } from './types.ts';

const SHA = 'a'.repeat(64);
const state: State = { source: { target: 'cluster', description: 'test' }, namespace: 'velero', objects: emptyObjects(), ignoredKinds: {}, readGaps: [] };

function passedDrill(): DrillResult {
  return {
    status: 'passed',
    runId: 'r1',
    sourceNamespace: 'velero-verify-r1',
    targetNamespace: 'velero-verify-r1-restored',
    backupName: 'velero-verify-r1',
    restoreName: 'velero-verify-r1-restore',
    backupPhase: 'Completed',
    backupErrors: 0,
    backupWarnings: 0,
    restorePhase: 'Completed',
    restoreErrors: 0,
    podVolumeBackups: [{ name: 'velero-verify-r1-abcde', volume: 'data', phase: 'Completed', uploaderType: 'kopia' }],
    expectedVolumes: ['data'],
    expectedSha256: SHA,
    writtenSha256: SHA,
    restoredSha256: SHA,
    markerPresent: false,
    dataSizeBytes: 4096,
    steps: [
      { name: 'backup', status: 'passed', durationMs: 10, phase: 'Completed' },
      { name: 'verify', status: 'passed', durationMs: 10 },
    ],
    cleanup: { status: 'done', deleted: [], left: [], problems: [], bucketConfirmed: true },
  };
}

const context = (drill?: DrillResult): JudgeContext => ({ state, plan: defaultPlan(), target: 'cluster', now: new Date('2026-01-01T00:00:00Z'), drill });

describe('beyond.restore (live)', () => {
  it('is registered for live targets', () => {
    expect(judgeItem('beyond.restore', context(passedDrill())).status).toBe('pass');
  });

  it('passes with equal checksums and the marker absent, showing the evidence', () => {
    const finding = judgeRestore(context(passedDrill()));
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toEqual(
      expect.arrayContaining([
        'Backup velero-verify-r1: status.phase = Completed, errors = 0, warnings = 0',
        'PodVolumeBackups for 1 volume(s): velero-verify-r1-abcde (volume data, kopia, Completed)',
        `sha256 restored:  ${SHA}`,
        'post-backup marker in the restored volume: absent',
      ]),
    );
    expect(finding.warnings).toBeUndefined();
  });

  it('skips when the drill did not run (--read-only) or was not run for a reason', () => {
    expect(judgeRestore(context(undefined))).toMatchObject({ status: 'skip', summary: 'The restore drill did not run (--read-only).' });
    expect(judgeRestore(context({ status: 'not-run', reason: 'Velero is not installed', runId: 'r', steps: [] }))).toMatchObject({ status: 'skip', summary: expect.stringContaining('Velero is not installed') });
  });

  it('never passes a "passed" drill whose checksums differ or whose marker is unknown', () => {
    expect(judgeRestore(context({ ...passedDrill(), restoredSha256: 'b'.repeat(64) })).status).toBe('fail');
    expect(judgeRestore(context({ ...passedDrill(), markerPresent: undefined })).status).toBe('fail');
  });

  it('fails with the failing step, phases, diagnostics and a step-specific remediation', () => {
    const drill: DrillResult = {
      ...passedDrill(),
      status: 'failed',
      failedStep: 'backup',
      reason: 'Backup velero-verify-r1 ended PartiallyFailed with 1 error(s)',
      backupPhase: 'PartiallyFailed',
      backupErrors: 1,
      restoredSha256: undefined,
      markerPresent: undefined,
      steps: [{ name: 'backup', status: 'failed', durationMs: 10, phase: 'PartiallyFailed', detail: 'ended PartiallyFailed' }],
      diagnostics: { step: 'backup', summary: 'Backup ended PartiallyFailed', collectedAt: '2026-01-01T00:00:00Z', objects: [{ ref: 'Backup velero/velero-verify-r1', yaml: 'x' }], events: ['Warning Pod/x: FailedMount: boom'], logs: [{ source: 'velero pod v', tail: 'a\nb\n' }], problems: [] },
    };
    const finding = judgeRestore(context(drill));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('The restore drill failed at backup: Backup velero-verify-r1 ended PartiallyFailed with 1 error(s)');
    expect(finding.evidence).toEqual(expect.arrayContaining(['step backup: failed (phase PartiallyFailed) — ended PartiallyFailed', 'diagnostics (collected before cleanup): Backup ended PartiallyFailed', 'event: Warning Pod/x: FailedMount: boom', 'log tail: velero pod v (2 lines)']));
    expect(finding.remediation).toContain('velero backup describe');
    expect(finding.critical).toBeUndefined();
  });

  it('a checksum mismatch or a marker in the restore is critical', () => {
    const mismatch = judgeRestore(context({ ...passedDrill(), status: 'failed', failedStep: 'verify', reason: 'checksum mismatch', restoredSha256: 'c'.repeat(64) }));
    expect(mismatch).toMatchObject({ status: 'fail', critical: true });
    const marker = judgeRestore(context({ ...passedDrill(), status: 'failed', failedStep: 'verify', reason: 'marker', markerPresent: true }));
    expect(marker).toMatchObject({ status: 'fail', critical: true });
  });

  it('an interrupted drill fails and says so', () => {
    const finding = judgeRestore(context({ ...passedDrill(), status: 'failed', failedStep: 'restore', interrupted: 'SIGINT', reason: 'interrupted by SIGINT during restore' }));
    expect(finding).toMatchObject({ status: 'fail', summary: 'The restore drill was interrupted (SIGINT) during restore' });
    expect(finding.remediation).toContain('run the audit again');
  });

  it('a kept or incomplete cleanup is a warning on a passing drill', () => {
    const kept = judgeRestore(context({ ...passedDrill(), cleanup: { status: 'kept', deleted: [], left: ['Namespace velero-verify-r1'], problems: [] } }));
    expect(kept.status).toBe('pass');
    expect(kept.warnings?.[0]).toContain('--keep');
    const incomplete = judgeRestore(context({ ...passedDrill(), cleanup: { status: 'incomplete', deleted: [], left: ['Backup velero/velero-verify-r1'], problems: ['Velero could not delete it'] } }));
    expect(incomplete.warnings).toEqual([expect.stringContaining('--cleanup'), 'Cleanup: Velero could not delete it']);
  });
});
