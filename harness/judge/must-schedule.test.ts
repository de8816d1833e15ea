import { afterAll, describe, expect, it } from 'vitest';
import { findDoc, judgeRendered, removeRenderedDirs } from '../../fixtures/manifests/one-change.ts';
import { GOOD_CONFIG } from '../../fixtures/manifests/variant-specs.ts';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { parsePlan, type BackupPlanInput } from '../plan.ts';
import { compareScope, templateScope } from './schedule-scope.ts';
import { judgeSchedule } from './must-schedule.ts';
import type { Finding } from './types.ts';

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

// The good homelab rendering with one change, judged as --manifests (and as --snapshot for parity).
afterAll(removeRenderedDirs);
const asManifests = (mutate: (docs: any[]) => void, plan: BackupPlanInput = {}): Finding => judgeRendered('must.schedule', mutate, plan);
const asSnapshot = (mutate: (docs: any[]) => void, plan: BackupPlanInput = {}): Finding => judgeRendered('must.schedule', mutate, plan, 'snapshot');
const dailyOf = (docs: any[]) => findDoc(docs, 'Schedule', 'velero-daily');
const onDaily = (edit: (schedule: any) => void) => (docs: any[]) => edit(dailyOf(docs));

describe('must.schedule on rendered manifests', () => {
  it('passes the rendered schedule and says its acceptance by the server is not shown', () => {
    const finding = asManifests(() => {});
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('Schedule velero-daily is as planned (whether the server accepted it is not shown): "0 3 * * *", TTL 14d (336h)');
    expect(finding.warnings?.join(' ')).toMatch(/Not shown: whether the Velero server accepts velero-daily .* without status/);
    expect(finding.warnings?.join(' ')).toMatch(/UTC in the upstream image/);
  });

  it('fails a template that backs up only the velero namespace, for the same reason as on a cluster', () => {
    const finding = asManifests(onDaily((schedule) => (schedule.spec.template.includedNamespaces = ['velero'])));
    expect(finding.status).toBe('fail');
    const [problem] = compareScope(templateScope({ includedNamespaces: ['velero'] }), parsePlan(GOOD_CONFIG).schedule.scope).problems;
    expect(finding.summary).toBe(`Schedule velero-daily is not as planned: ${problem}`);
    expect(finding.remediation).toMatch(/includedNamespaces \["\*"\]/);
    // `expect: { scope: false }` switches the comparison off.
    expect(asManifests(onDaily((schedule) => (schedule.spec.template.includedNamespaces = ['velero'])), { expect: { scope: false } }).status).toBe('pass');
  });

  it('fails a paused schedule and a wrong cron', () => {
    const paused = asManifests(onDaily((schedule) => (schedule.spec.paused = true)));
    expect(paused.status).toBe('fail');
    expect(paused.summary).toBe('Schedule velero-daily is not as planned: it is paused (spec.paused: true)');
    const wrong = asManifests(onDaily((schedule) => (schedule.spec.schedule = '0 4 * * *')));
    expect(wrong.summary).toBe('Schedule velero-daily is not as planned: its cron is "0 4 * * *", the plan says "0 3 * * *"');
    const invalid = asManifests(onDaily((schedule) => (schedule.spec.schedule = '0 25 * * *')));
    expect(invalid.summary).toMatch(/^Schedule velero-daily is not as planned: spec.schedule "0 25 \* \* \*" is not a cron Velero accepts/);
  });

  it('compares TTLs as durations and uses the server default (720h) when the template has none', () => {
    expect(asManifests(onDaily((schedule) => (schedule.spec.template.ttl = '336h0m0s'))).status).toBe('pass');
    expect(asManifests(onDaily((schedule) => (schedule.spec.template.ttl = '335h59m'))).summary).toBe(
      'Schedule velero-daily is not as planned: its backups live "335h59m", the plan says 336h',
    );
    const unset = asManifests(onDaily((schedule) => delete schedule.spec.template.ttl));
    expect(unset.summary).toBe('Schedule velero-daily is not as planned: its backups live 30d (720h) (ttl unset: server default), the plan says 336h');
    expect(unset.evidence.join(' ')).toMatch(/unset → 720h/);
  });

  it('fails a missing schedule', () => {
    const missing = asManifests((docs) => docs.splice(docs.indexOf(dailyOf(docs)), 1));
    expect(missing.status).toBe('fail');
    expect(missing.summary).toBe('No Schedule in namespace velero');
  });
});

describe('must.schedule: what the former manifests judge decided differently', () => {
  it('compares the cron with the plan by meaning on every target: "0 3 * * MON-FRI" is the plan\'s "0 3 * * 1-5"', () => {
    const weekdays = onDaily((schedule) => (schedule.spec.schedule = '0 3 * * MON-FRI'));
    const plan = { schedule: { cron: '0 3 * * 1-5' } };
    for (const finding of [asManifests(weekdays, plan), asSnapshot(weekdays, plan)]) {
      expect(finding.status).toBe('pass');
      expect(finding.evidence).toContain('Cron: expected "0 3 * * 1-5", observed "0 3 * * MON-FRI" (equivalent)');
    }
    // Descriptors and zone prefixes: @daily is "0 0 * * *"; TZ= and CRON_TZ= name the same zone; a zone is not the server's.
    expect(asManifests(onDaily((schedule) => (schedule.spec.schedule = '@daily')), { schedule: { cron: '0 0 * * *' } }).status).toBe('pass');
    expect(asManifests(onDaily((schedule) => (schedule.spec.schedule = 'TZ=Europe/Berlin 0 3 * * *')), { schedule: { cron: 'CRON_TZ=Europe/Berlin 0 3 * * *' } }).status).toBe('pass');
    expect(asManifests(onDaily((schedule) => (schedule.spec.schedule = 'CRON_TZ=Europe/Berlin 0 3 * * *'))).summary).toBe(
      'Schedule velero-daily is not as planned: its cron is "CRON_TZ=Europe/Berlin 0 3 * * *", the plan says "0 3 * * *"',
    );
  });

  it('fails a schedule that writes to another existing location when the plan names its storage, on every target; warns with the storage expectations off', () => {
    const offsite = (docs: any[]) => {
      const bsl = structuredClone(docs.find((doc) => doc.kind === 'BackupStorageLocation' && doc.metadata.name === 'default'));
      bsl.metadata.name = 'offsite';
      delete bsl.spec.default;
      docs.push(bsl);
      dailyOf(docs).spec.template.storageLocation = 'offsite';
    };
    for (const finding of [asManifests(offsite), asSnapshot(offsite)]) {
      expect(finding.status).toBe('fail');
      expect(finding.summary).toBe('Schedule velero-daily is not as planned: its backups go to location "offsite", not to the plan\'s location "default"');
    }
    const owners = asManifests(offsite, { expect: { bucket: false, s3Url: false } });
    expect(owners.status).toBe('pass');
    expect(owners.warnings).toContain('Its backups go to location "offsite", not to the plan\'s location "default".');
    // A location the input shows does not exist fails whatever the expectations.
    expect(asManifests(onDaily((schedule) => (schedule.spec.template.storageLocation = 'gone')), { expect: { bucket: false, s3Url: false } }).summary).toBe(
      'Schedule velero-daily is not as planned: spec.template.storageLocation "gone" does not exist (its backups fail validation)',
    );
  });

  it('gives a rendered Schedule the same status and reason as --manifests and as --snapshot', () => {
    const cases: Array<(docs: any[]) => void> = [
      () => {},
      onDaily((schedule) => (schedule.spec.paused = true)),
      onDaily((schedule) => (schedule.spec.template.ttl = '720h')),
      onDaily((schedule) => (schedule.spec.template.includedNamespaces = ['velero'])),
    ];
    for (const mutate of cases) {
      const [manifests, snapshot] = [asManifests(mutate), asSnapshot(mutate)];
      expect({ status: snapshot.status, summary: snapshot.summary }).toEqual({ status: manifests.status, summary: manifests.summary });
    }
  });

  it('still fails a Schedule read from a cluster that the server never accepted (no status)', () => {
    const finding = withSchedule((schedule) => delete schedule.status);
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('Schedule velero-daily is not as planned: status.phase is empty, not Enabled (the server has not accepted it)');
  });
});
