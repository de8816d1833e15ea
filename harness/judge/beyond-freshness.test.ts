import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { SCHEDULED_BACKUPS } from '../../fixtures/snapshots/homelab/constants.ts';
import { before } from '../../fixtures/snapshots/homelab/metadata.ts';
import { judgeFreshness } from './beyond-freshness.ts';

const [OLDER, NEWEST] = SCHEDULED_BACKUPS;
const NEWEST_COMPLETED = Date.parse('2026-06-15T03:01:47Z');
const HOUR = 3_600_000;

function judge(edit: (capture: Capture) => void = () => {}, options: { now?: Date; plan?: Record<string, unknown> } = {}) {
  const capture = Capture.healthy();
  edit(capture);
  return judgeFreshness(contextOf(capture, options));
}

describe('beyond.freshness', () => {
  it('passes when the newest scheduled backup completed within 24h + grace', () => {
    const finding = judge();
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe(`The newest scheduled backup ${NEWEST} is Completed, finished 7.5h ago`);
  });

  it('the limit for the daily cron is 24h + plan.freshness.grace, measured from completionTimestamp to the reference time', () => {
    expect(judge(undefined, { now: new Date(NEWEST_COMPLETED + 30 * HOUR - 60_000) }).status).toBe('pass');
    const late = judge(undefined, { now: new Date(NEWEST_COMPLETED + 30 * HOUR + 60_000) });
    expect(late.status).toBe('fail');
    expect(late.summary).toMatch(/older than 30h/);
    expect(judge(undefined, { now: new Date(NEWEST_COMPLETED + 26 * HOUR), plan: { freshness: { grace: '1h' } } }).status).toBe('fail');
  });

  it('a weekly schedule: a 31.5h-old backup is fresh (a fixed 24h window rejected it forever)', () => {
    // 2026-06-14 is a Sunday: "0 3 * * 0" ran then, and runs next on 2026-06-21.
    const finding = judge((c) => {
      c.find('Schedule', 'velero-daily').spec.schedule = '0 3 * * 0';
      c.removeBackup(NEWEST);
    });
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe(`The newest scheduled backup ${OLDER} is Completed, finished 31.5h ago`);
    expect(finding.evidence).toContain('Interval from Schedule velero-daily cron "0 3 * * 0": 7d (168h) (run at 2026-06-14T03:00:00.000Z, next at 2026-06-21T03:00:00.000Z)');
  });

  it('an hourly schedule: a backup 29h old is stale (a fixed 24h + 6h window passed it)', () => {
    const finding = judge((c) => (c.find('Schedule', 'velero-daily').spec.schedule = '0 * * * *'), { now: new Date(NEWEST_COMPLETED + 29 * HOUR) });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe(`The newest scheduled backup ${NEWEST} finished 29h ago, older than 7h`);
    expect(finding.evidence.join('\n')).toContain('limit 7h = interval 1h + grace 6h');
  });

  it('computes the interval in the CRON_TZ zone: weekdays only, a Friday backup stays fresh over the weekend', () => {
    const friday = Date.parse('2026-06-12T01:05:00Z'); // 03:05 in Berlin (CEST)
    const finding = judge((c) => {
      c.find('Schedule', 'velero-daily').spec.schedule = 'CRON_TZ=Europe/Berlin 0 3 * * 1-5';
      c.removeBackup(NEWEST);
      const backup = c.backup(OLDER);
      backup.metadata.creationTimestamp = '2026-06-12T01:00:00Z';
      backup.status.startTimestamp = '2026-06-12T01:00:00Z';
      backup.status.completionTimestamp = '2026-06-12T01:05:00Z';
    }, { now: new Date(friday + 70 * HOUR) });
    expect(finding.status).toBe('pass');
    expect(finding.evidence.join('\n')).toContain('(CRON_TZ=Europe/Berlin): 3d (72h) (run at 2026-06-12T01:00:00.000Z, next at 2026-06-15T01:00:00.000Z)');
    const monday = judge((c) => {
      c.find('Schedule', 'velero-daily').spec.schedule = 'CRON_TZ=Europe/Berlin 0 3 * * 1-5';
      c.removeBackup(NEWEST);
      Object.assign(c.backup(OLDER).status, { startTimestamp: '2026-06-12T01:00:00Z', completionTimestamp: '2026-06-12T01:05:00Z' });
      c.backup(OLDER).metadata.creationTimestamp = '2026-06-12T01:00:00Z';
    }, { now: new Date(friday + 79 * HOUR) });
    expect(monday.summary).toBe(`The newest scheduled backup ${OLDER} finished 79h ago, older than 78h`);
  });

  it('judges the newest finished backup while another one is still running, and says so', () => {
    const finding = judge((c) => {
      const running = structuredClone(c.backup(NEWEST));
      running.metadata.name = 'velero-daily-20260615100000';
      running.metadata.creationTimestamp = before(30 * 60);
      running.status = { phase: 'InProgress', startTimestamp: before(30 * 60) };
      c.add(running);
    });
    expect(finding.status).toBe('pass');
    expect(finding.warnings?.[0]).toMatch(/velero-daily-20260615100000 of the schedule is still running/);
  });

  it('fails when the newest finished backup is not Completed, even if an older one is', () => {
    const finding = judge((c) => (c.backup(NEWEST).status.phase = 'Failed'));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe(`The newest scheduled backup ${NEWEST} is Failed, not Completed`);
  });

  it('backups of other schedules and manual backups do not count', () => {
    const finding = judge((c) => {
      c.backup(NEWEST).metadata.labels['velero.io/schedule-name'] = 'hourly';
      c.find('Schedule', 'velero-daily').status.lastBackup = '2026-06-14T03:00:00Z';
    });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(new RegExp(`${OLDER} finished 31.5h ago`));
  });

  it('no backup yet: passes while the first run (first cron time after creation) + grace lies ahead, fails afterwards', () => {
    const fresh = (createdSecondsAgo: number) => (c: Capture) => {
      for (const name of SCHEDULED_BACKUPS) c.removeBackup(name);
      c.find('Schedule', 'velero-daily').metadata.creationTimestamp = before(createdSecondsAgo);
      c.find('Schedule', 'velero-daily').status = { phase: 'Enabled' };
    };
    const young = judge(fresh(2 * 3600));
    expect(young.status).toBe('pass');
    expect(young.summary).toMatch(/not overdue: its first run is due in 16.5h/);
    expect(young.warnings?.join(' ')).toMatch(/does not back up immediately/);
    // Created 10h ago (00:30): the first run was due 03:00, i.e. 7.5h ago — more than the 6h grace.
    const overdue = judge(fresh(10 * 3600));
    expect(overdue.status).toBe('fail');
    expect(overdue.summary).toMatch(/although its first run was due 7.5h ago/);
  });

  it('fails when there is no schedule at all', () => {
    const finding = judge((c) => c.remove((object) => object.kind === 'Schedule' || object.kind === 'Backup'), { plan: { expect: { schedule: false } } });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/No Schedule/);
  });
});
