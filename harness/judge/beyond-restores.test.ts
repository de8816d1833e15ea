import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { judgeRestoresCompleted } from './beyond-restores.ts';

describe('beyond.restores-completed', () => {
  it('passes where restores were listed and none was run (none failed)', () => {
    const finding = judgeRestoresCompleted(contextOf(Capture.healthy().remove((object) => object.kind === 'Restore')));
    expect(finding.status).toBe('pass');
    expect(finding.summary).toMatch(/No Restore has been run/);
  });

  it('is not verified when the live collector could not list restores.velero.io (an empty list is not "none run")', () => {
    const context = contextOf(Capture.healthy().remove((object) => object.kind === 'Restore'));
    context.state.readGaps.push({ resource: 'restores.velero.io', verb: 'list', namespace: 'velero', reason: 'forbidden' });
    const finding = judgeRestoresCompleted(context);
    expect(finding.status).toBe('skip');
    expect(finding.summary).toBe('The Restores could not be read: list restores.velero.io in velero: forbidden');
  });

  it('fails when Velero is not installed instead of passing on an empty list', () => {
    const finding = judgeRestoresCompleted(contextOf(Capture.healthy().remove((object) => object.kind === 'Restore' || object.kind === 'Deployment' || String(object.apiVersion).startsWith('velero.io/'))));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('Velero is not installed');
  });
});
