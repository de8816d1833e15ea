import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { judgeSchedule } from './must-schedule.ts';

function withSchedule(edit: (schedule: any) => void, plan?: Record<string, unknown>, editCapture?: (capture: Capture) => void) {
  const capture = Capture.healthy();
  edit(capture.find('Schedule', 'velero-daily'));
  editCapture?.(capture);
  return judgeSchedule(contextOf(capture, { plan }));
}

describe('must.schedule', () => {
  it('passes the plan\'s schedule, shows the next run and notes that cron runs in UTC', () => {
    const finding = withSchedule(() => {});
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('Next run: 2026-06-16T03:00:00.000Z (in 16.5h), time zone of the Velero server (UTC in the upstream image)');
    expect(finding.warnings?.[0]).toMatch(/UTC in the upstream image.*CRON_TZ=/);
  });

  it('compares TTLs as durations: 336h0m0s equals 336h', () => {
    const finding = withSchedule((schedule) => (schedule.spec.template.ttl = '336h0m0s'));
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('TTL: expected 336h, observed 336h0m0s — equal as durations');
    expect(withSchedule((schedule) => (schedule.spec.template.ttl = '20160m')).status).toBe('pass');
  });

  it('fails a different TTL and an unparsable one', () => {
    expect(withSchedule((schedule) => (schedule.spec.template.ttl = '720h0m0s')).summary).toBe('Schedule velero-daily is not as planned: its backups live 30d (720h), the plan says 336h');
    expect(withSchedule((schedule) => (schedule.spec.template.ttl = '14d')).summary).toMatch(/"14d" is not a Go duration/);
  });

  it('a missing TTL means the server default: 720h, or --default-backup-ttl when set', () => {
    expect(withSchedule((schedule) => delete schedule.spec.template.ttl).summary).toMatch(/30d \(720h\) \(ttl unset: server default\)/);
    const withFlag = withSchedule(
      (schedule) => delete schedule.spec.template.ttl,
      undefined,
      (capture) => capture.find('Deployment', 'velero').spec.template.spec.containers[0].args.push('--default-backup-ttl=336h0m0s'),
    );
    expect(withFlag.status).toBe('pass');
    expect(withFlag.evidence.join('\n')).toMatch(/unset → 336h0m0s, server flag --default-backup-ttl=336h0m0s/);
  });

  it('with the ttl expectation off any TTL passes', () => {
    expect(withSchedule((schedule) => (schedule.spec.template.ttl = '720h'), { expect: { ttl: false } }).status).toBe('pass');
  });

  it('normalises whitespace and accepts equivalent cron spellings', () => {
    expect(withSchedule((schedule) => (schedule.spec.schedule = ' 0  3 * *  * ')).status).toBe('pass');
    const equivalent = withSchedule((schedule) => (schedule.spec.schedule = '0 3 * * 1-5'), { schedule: { cron: '0 3 * * MON-FRI' } });
    expect(equivalent.status).toBe('pass');
    expect(equivalent.evidence.join('\n')).toMatch(/\(equivalent\)/);
  });

  it('fails a different cron and an invalid one', () => {
    expect(withSchedule((schedule) => (schedule.spec.schedule = '0 4 * * *')).summary).toMatch(/its cron is "0 4 \* \* \*", the plan says "0 3 \* \* \*"/);
    expect(withSchedule((schedule) => (schedule.spec.schedule = '0 3 * *')).summary).toMatch(/not a cron Velero accepts: expected 5 fields/);
  });

  it('a CRON_TZ prefix changes the schedule: it must match the plan, and then no UTC note', () => {
    const berlin = (schedule: any) => (schedule.spec.schedule = 'CRON_TZ=Europe/Berlin 0 3 * * *');
    expect(withSchedule(berlin).status).toBe('fail');
    const planned = withSchedule(berlin, { schedule: { cron: 'CRON_TZ=Europe/Berlin 0 3 * * *' } });
    expect(planned.status).toBe('pass');
    expect(planned.warnings).toBeUndefined();
    expect(planned.evidence.join('\n')).toMatch(/Next run: 2026-06-16T01:00:00.000Z .*time zone Europe\/Berlin/);
  });

  it('fails when paused, when FailedValidation (showing validationErrors) and when not yet Enabled', () => {
    const paused = withSchedule((schedule) => (schedule.spec.paused = true));
    expect(paused.summary).toMatch(/paused/);
    expect(paused.remediation).toMatch(/schedule unpause velero-daily/);
    const invalid = withSchedule((schedule) => (schedule.status = { phase: 'FailedValidation', validationErrors: ['invalid schedule'] }));
    expect(invalid.summary).toMatch(/failed validation: invalid schedule/);
    expect(withSchedule((schedule) => (schedule.status = { phase: 'New' })).summary).toMatch(/status.phase is New, not Enabled/);
  });

  it('falls back to another schedule when none has the plan\'s name, with a note; silently with the expectation off', () => {
    const renamed = withSchedule((schedule) => (schedule.metadata.name = 'nightly'));
    expect(renamed.status).toBe('pass');
    expect(renamed.warnings?.[0]).toMatch(/No Schedule is named "velero-daily".*"nightly"/);
    const generic = withSchedule((schedule) => (schedule.metadata.name = 'nightly'), { expect: { schedule: false } });
    expect(generic.warnings?.some((warning) => warning.includes('No Schedule is named'))).toBe(false);
  });

  it('fails when no schedule exists, with the Helm values to add', () => {
    const finding = judgeSchedule(contextOf(Capture.healthy().remove((object) => object.kind === 'Schedule')));
    expect(finding.status).toBe('fail');
    expect(finding.remediation).toMatch(/schedules: \{daily: \{schedule: "0 3 \* \* \*", template: \{ttl: 336h/);
  });

  it('fails when its backups go to a location that does not exist', () => {
    expect(withSchedule((schedule) => (schedule.spec.template.storageLocation = 'gone')).summary).toMatch(/storageLocation "gone" does not exist/);
  });

  describe("the template's scope against the plan's schedule.scope", () => {
    it('fails a Schedule that backs up only the velero namespace (before, it passed every item)', () => {
      const finding = withSchedule((schedule) => (schedule.spec.template.includedNamespaces = ['velero']));
      expect(finding.status).toBe('fail');
      expect(finding.summary).toBe('Schedule velero-daily is not as planned: its template includes namespaces velero, the plan says * (all) (not backed up: every namespace)');
      expect(finding.evidence.join('\n')).toContain('Scope: template namespaces velero, labelSelector (none), includeClusterResources (unset: automatic)');
    });

    it('fails unplanned exclusions, label selectors and includeClusterResources: false', () => {
      expect(withSchedule((schedule) => (schedule.spec.template.excludedNamespaces = ['paperless'])).summary).toBe(
        'Schedule velero-daily is not as planned: its template excludes namespace(s) paperless, which the plan does not exclude',
      );
      expect(withSchedule((schedule) => (schedule.spec.template.labelSelector = { matchLabels: { backup: 'yes' } })).summary).toMatch(
        /its template's labelSelector is backup=yes, the plan's is \(none\) \(objects without the labels are not backed up\)/,
      );
      expect(withSchedule((schedule) => (schedule.spec.template.includeClusterResources = false)).summary).toMatch(/includeClusterResources: false: cluster-scoped resources .* are never backed up/);
    });

    it("accepts the plan's own scope, an empty list as every namespace, and planned exclusions", () => {
      expect(withSchedule((schedule) => (schedule.spec.template.includedNamespaces = [])).status).toBe('pass');
      const plan = { schedule: { scope: { includedNamespaces: ['paperless', 'velero'], excludedNamespaces: ['scratch'] } } };
      expect(withSchedule((schedule) => Object.assign(schedule.spec.template, { includedNamespaces: ['velero', 'paperless'], excludedNamespaces: ['scratch'] }), plan).status).toBe('pass');
      expect(withSchedule((schedule) => (schedule.spec.template.includedNamespaces = ['velero']), plan).summary).toMatch(/not backed up: paperless/);
    });

    it('is switchable: expect.scope false leaves the scope to the coverage item', () => {
      expect(withSchedule((schedule) => (schedule.spec.template.includedNamespaces = ['velero']), { expect: { scope: false } }).status).toBe('pass');
    });
  });
});
