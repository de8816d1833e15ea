import { afterEach, describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { collectSnapshot } from '../targets/snapshot.ts';
import { defaultPlan } from '../plan.ts';
import { JUDGES, judgeItem } from './index.ts';

const ORIGINAL = JUDGES['beyond.repository'];

describe('judgeItem', () => {
  afterEach(() => {
    JUDGES['beyond.repository'] = ORIGINAL;
  });

  it('turns a judge that throws into a failure naming the defect, never a pass', () => {
    JUDGES['beyond.repository'] = () => {
      throw new Error('cannot read properties of undefined');
    };
    const finding = judgeItem('beyond.repository', { ...contextOf(Capture.healthy()), target: 'cluster' });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('The judge for beyond.repository crashed: cannot read properties of undefined');
    expect(finding.remediation).toMatch(/velero-verify defect/);
  });

  it('does the same on captured evidence', async () => {
    JUDGES['beyond.repository'] = () => {
      throw new Error('boom');
    };
    const plan = defaultPlan();
    const state = await collectSnapshot('-', plan, { stdinText: 'NAME      PHASE   LAST VALIDATED\ndefault   Ready   2026-11-25 03:00:00 +0000 UTC\n', label: 'paste' });
    state.objects.backupRepositories.push({ apiVersion: 'velero.io/v1', kind: 'BackupRepository', metadata: { name: 'x', namespace: 'velero' } });
    state.evidence!.shown.push('backupRepositories');
    const finding = judgeItem('beyond.repository', { state, plan, target: 'snapshot', now: new Date('2026-11-25T12:00:00Z') });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('The judge for beyond.repository crashed: boom');
  });

  it('skips an item the target cannot evaluate, with the catalog\'s reason', () => {
    const finding = judgeItem('beyond.restore', { ...contextOf(Capture.healthy()), target: 'manifests' });
    expect(finding.status).toBe('skip');
    expect(finding.summary).toMatch(/^Not evaluable on the manifests target: /);
  });
});
