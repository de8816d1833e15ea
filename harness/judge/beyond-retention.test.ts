import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findDoc, judgeRendered, removeRenderedDirs } from '../../fixtures/manifests/one-change.ts';
import { bucketScenario, mapObjects, scenarioState, type ScenarioOptions, type BucketScenario } from '../../fixtures/doubles/bucket-scenario.ts';
import type { FakeS3 } from '../../fixtures/doubles/fake-s3.ts';
import { judgeLiveAndCaptured } from '../../fixtures/doubles/roundtrip.ts';
import { MANUAL_BACKUP } from '../../fixtures/snapshots/homelab/constants.ts';
import { healthyAppObjects, healthyVeleroObjects } from '../../fixtures/snapshots/model.ts';
import { triage } from '../evidence/triage.ts';
import { defaultPlan, parsePlan } from '../plan.ts';
import { judgeRetention, ttlsInUse } from './beyond-retention.ts';

let scenario: BucketScenario | undefined;
afterEach(async () => {
  await scenario?.stop();
  scenario = undefined;
});

async function judged(options: ScenarioOptions = {}) {
  scenario = await bucketScenario(options);
  return judgeLiveAndCaptured(judgeRetention, scenario.context());
}

const lifecycle = (rules: unknown[] | string) => (fake: FakeS3) => {
  fake.withLifecycle(rules);
};

describe('beyond.retention (live)', () => {
  it('passes without a lifecycle: the safe state', async () => {
    const finding = await judged();
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe("No bucket lifecycle: retention is owned by Velero's TTL.");
    expect(finding.evidence).toContain('Bucket lifecycle of homelab-backup-velero: none (NoSuchLifecycleConfiguration)');
    expect(finding.evidence).toContain('HEAD kopia.repository of 2 repositories: no x-amz-expiration header');
    expect(finding.critical).toBeUndefined();
  });

  it('the plan as executed — a bucket-wide 14-day rule — is critical, confirmed by x-amz-expiration', async () => {
    const finding = await judged({ configure: lifecycle([{ ID: 'expire-14d', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 14 } }]) });
    expect(finding.status).toBe('fail');
    expect(finding.critical).toBe(true);
    expect(finding.summary).toBe('Lifecycle rule "expire-14d" expires objects under kopia/: it will destroy the Kopia repository.');
    expect(finding.evidence.some((line) => /^HEAD kopia\/paperless\/kopia\.repository: x-amz-expiration: expiry-date=".*", rule-id="expire-14d"/.test(line))).toBe(true);
    expect(finding.remediation).toMatch(/Remove lifecycle rule "expire-14d"/);
    expect(finding.warnings?.[0]).toMatch(/races Velero's own deletion/);
  });

  it('is critical for a kopia/ rule in every filter shape: Filter.Prefix, And, legacy Prefix', async () => {
    for (const rule of [
      { ID: 'k', Status: 'Enabled', Filter: { Prefix: 'kopia/' }, Expiration: { Days: 90 } },
      { ID: 'k', Status: 'Enabled', Filter: { And: { Prefix: 'kopia/paperless/', ObjectSizeGreaterThan: 1024 } }, Expiration: { Days: 365 } },
      { ID: 'k', Status: 'Enabled', Prefix: 'kopia/', Expiration: { Days: 30 } },
    ]) {
      const finding = await judged({ configure: lifecycle([rule]) });
      expect(finding.critical, JSON.stringify(rule)).toBe(true);
      await scenario?.stop();
      scenario = undefined;
    }
  });

  it('fails a backups/ rule shorter than the TTL, without calling it critical', async () => {
    const finding = await judged({ configure: lifecycle([{ ID: 'short', Status: 'Enabled', Filter: { Prefix: 'backups/' }, Expiration: { Days: 7 } }]) });
    expect(finding.status).toBe('fail');
    expect(finding.critical).toBeUndefined();
    expect(finding.summary).toBe('Lifecycle rule "short" expires backups before their TTL (14d (336h)).');
  });

  it('warns for a backups/ rule equal to the TTL and passes one of TTL + slack', async () => {
    const equal = await judged({ configure: lifecycle([{ ID: 'eq', Status: 'Enabled', Filter: { Prefix: 'backups/' }, Expiration: { Days: 14 } }]) });
    expect(equal.status).toBe('pass');
    expect(equal.warnings?.[0]).toMatch(/"eq".*races Velero's own deletion/);
    await scenario?.stop();
    const backstop = await judged({ configure: lifecycle([{ ID: 'backstop', Status: 'Enabled', Filter: { Prefix: 'backups/' }, Expiration: { Days: 16 } }]) });
    expect(backstop.status).toBe('pass');
    // 16 days covers the 336h TTLs in use, but not the 720h a manual backup gets without --ttl
    expect(backstop.warnings).toEqual([`Manual backups without --ttl get Velero's default TTL 720h (docs/velero-facts.md §3): rule "backstop" removes their files under backups/ before they expire.`]);
  });

  it('ignores a disabled rule and a rule outside Velero\'s prefixes', async () => {
    const finding = await judged({
      configure: lifecycle([
        { ID: 'off', Status: 'Disabled', Filter: {}, Expiration: { Days: 1 } },
        { ID: 'tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } },
      ]),
    });
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('Lifecycle rules do not reach kopia/ and do not cut backups short.');
  });

  it('uses the longest TTL in use: a manual backup with 720h fails a 16-day backups/ rule', async () => {
    const finding = await judged({
      cluster: (objects) => mapObjects(objects, (o) => o.kind === 'Backup' && o.metadata.name === MANUAL_BACKUP, (o) => ({ ...o, spec: { ...o.spec, ttl: '720h0m0s' } })),
      configure: lifecycle([{ ID: 'backstop', Status: 'Enabled', Filter: { Prefix: 'backups/' }, Expiration: { Days: 16 } }]),
    });
    expect(finding.status).toBe('fail');
    expect(finding.evidence).toContain(`Longest TTL in use: 30d (720h) from Backup ${MANUAL_BACKUP} spec.ttl 720h0m0s (of 4 TTLs)`);
  });

  it('judges rules under a BSL prefix', async () => {
    const finding = await judged({ prefix: 'velero', configure: lifecycle([{ ID: 'vk', Status: 'Enabled', Filter: { Prefix: 'velero/kopia/' }, Expiration: { Days: 30 } }]) });
    expect(finding.critical).toBe(true);
    expect(finding.summary).toMatch(/expires objects under velero\/kopia\//);
  });

  it('skips when the lifecycle cannot be read, unless MinIO already reports kopia.repository expiring', async () => {
    const unreadable = await judged({ configure: (fake) => fake.withFault({ operation: 'GetBucketLifecycleConfiguration', fault: 'AccessDenied' }) });
    expect(unreadable.status).toBe('skip');
    expect(unreadable.summary).toMatch(/lifecycle could not be read \(AccessDenied: .*\); grant the audit credentials s3:GetLifecycleConfiguration/);
    await scenario?.stop();

    const confirmed = await judged({
      configure: (fake) =>
        fake
          .withFault({ operation: 'GetBucketLifecycleConfiguration', fault: 'AccessDenied' })
          .withObject('kopia/velero/kopia.repository', '{}', { expiration: 'expiry-date="Tue, 16 Jun 2026 00:00:00 GMT", rule-id="hidden"' }),
    });
    expect(confirmed.status).toBe('fail');
    expect(confirmed.critical).toBe(true);
    expect(confirmed.summary).toBe("MinIO reports an expiration date for kopia.repository in kopia/velero/: a lifecycle rule will destroy the Kopia repository.");
  });

  it('notes versioning without noncurrent expiration and object lock', async () => {
    const finding = await judged({ configure: (fake) => fake.withVersioning('Enabled').withObjectLock({ mode: 'GOVERNANCE', days: 30 }) });
    expect(finding.status).toBe('pass');
    expect(finding.evidence).toContain('Versioning: Enabled');
    expect(finding.evidence).toContain('Object lock: Enabled, default retention GOVERNANCE 30 days');
    expect(finding.warnings?.some((w) => /without a NoncurrentVersionExpiration rule/.test(w))).toBe(true);
    expect(finding.warnings?.some((w) => /not supported by Velero/.test(w))).toBe(true);
  });

  it('skips when the bucket read holds no lifecycle setting at all', async () => {
    scenario = await bucketScenario();
    delete scenario.state.bucket!.lifecycle;
    expect(judgeRetention(scenario.context()).summary).toMatch(/holds no lifecycle configuration \(not captured\)/);
  });

  it('skips without a bucket read', () => {
    const plan = defaultPlan();
    const state = scenarioState([...healthyVeleroObjects(), ...healthyAppObjects()], plan);
    expect(judgeRetention({ state, plan, target: 'snapshot', now: new Date() })).toMatchObject({ status: 'skip' });
  });

  it('collects TTLs as durations from schedules and backups', () => {
    const plan = defaultPlan();
    const state = scenarioState([...healthyVeleroObjects(), ...healthyAppObjects()], plan);
    const ttls = ttlsInUse({ state, plan });
    expect(ttls[0]).toEqual({ ms: 336 * 3_600_000, from: 'Schedule velero-daily template.ttl 336h' });
    expect(ttls.every((ttl) => ttl.ms === 336 * 3_600_000)).toBe(true);
    const empty = scenarioState([], plan);
    expect(ttlsInUse({ state: empty, plan })).toEqual([{ ms: 720 * 3_600_000, from: "Velero's default TTL 720h (docs/velero-facts.md §3) (no Schedule or Backup holds a TTL)" }]);
  });
});

// The good homelab rendering with one change: a configuration input, whose bucket lifecycle is the one the plan declares.
afterAll(removeRenderedDirs);
const declaring = (bucketLifecycle: Array<{ prefix: string; expirationDays: number }>) => judgeRendered('beyond.retention', () => {}, { retention: { bucketLifecycle } });

describe('beyond.retention on rendered manifests (the declared lifecycle)', () => {
  it('accepts a backups/ backstop of at least TTL + slack and warns about one shorter than TTL + slack', () => {
    const backstop = declaring([{ prefix: 'backups/', expirationDays: 16 }]);
    expect(backstop.status).toBe('pass');
    expect(backstop.summary).toBe('Lifecycle rules do not reach kopia/ and do not cut backups short.');
    expect(backstop.evidence[0]).toBe('Declared bucket lifecycle (plan.retention.bucketLifecycle; a configuration input does not hold the bucket): prefix "backups/" expires after 16 days');
    const racing = declaring([{ prefix: 'backups/', expirationDays: 15 }]);
    expect(racing.status).toBe('pass');
    expect(racing.summary).toBe("Lifecycle rules do not reach kopia/, but one races Velero's TTL.");
    expect(racing.warnings?.join(' ')).toMatch(/shorter than TTL 14d \(336h\) \+ GC slack/);
  });

  it('fails a backups/ rule shorter than the TTL and a rule on kopia/ (critical)', () => {
    const short = declaring([{ prefix: 'backups/', expirationDays: 7 }]);
    expect(short.status).toBe('fail');
    expect(short.summary).toBe('Lifecycle rule "plan rule #1" expires backups before their TTL (14d (336h)).');
    expect(short.remediation).toMatch(/declare the lifecycle the bucket really has/);
    const kopia = declaring([{ prefix: 'kopia/', expirationDays: 90 }]);
    expect(kopia.status).toBe('fail');
    expect(kopia.critical).toBe(true);
    expect(kopia.summary).toBe('Lifecycle rule "plan rule #1" expires objects under kopia/: it will destroy the Kopia repository.');
  });

  it("reads the BSL prefix: a rule on another prefix does not reach velero/kopia/", () => {
    const finding = judgeRendered('beyond.retention', (docs) => (findDoc(docs, 'BackupStorageLocation', 'default').spec.objectStorage.prefix = 'velero'), {
      expect: { prefix: false },
      retention: { bucketLifecycle: [{ prefix: 'other-app/', expirationDays: 3 }] },
    });
    expect(finding.status).toBe('pass');
    expect(finding.evidence.join(' ')).toMatch(/velero\/kopia\//);
  });

  it('fails a schedule that keeps an absurd number of backups, warns about a large one', () => {
    const often = (schedule: string) => (docs: any[]) => (findDoc(docs, 'Schedule', 'velero-daily').spec.schedule = schedule);
    const absurd = judgeRendered('beyond.retention', often('*/5 * * * *'));
    expect(absurd.status).toBe('fail');
    expect(absurd.summary).toBe('A schedule keeps an absurd number of backups: velero-daily ~4032.');
    const large = judgeRendered('beyond.retention', often('0 * * * *'));
    expect(large.status).toBe('pass');
    expect(large.warnings).toEqual(['Schedule velero-daily: "0 * * * *" every ~1h × ttl 336h keeps ~336 backups at once: Velero lists, syncs and garbage-collects every one of them.']);
  });
});

describe('beyond.retention: what the former manifests judge decided differently', () => {
  const absurdSchedule = (docs: any[]) => (findDoc(docs, 'Schedule', 'velero-daily').spec.schedule = '*/5 * * * *');

  it('fails a schedule that keeps an absurd number of backups on every target, even when the bucket lifecycle is not shown', () => {
    // The snapshot of the same objects holds no bucket: the lifecycle is not shown, the Schedule still is.
    const state = scenarioState(healthyVeleroObjects().map((o) => (o.kind === 'Schedule' ? { ...o, spec: { ...o.spec, schedule: '*/5 * * * *' } } : o)), defaultPlan());
    const finding = judgeRetention({ state, plan: defaultPlan(), target: 'cluster', now: new Date('2026-06-15T12:00:00Z') });
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('A schedule keeps an absurd number of backups: velero-daily ~4032.');
    expect(finding.evidence[0]).toMatch(/^Bucket lifecycle: not shown \(The bucket was not read/);
    for (const target of ['manifests', 'snapshot'] as const) {
      expect(judgeRendered('beyond.retention', absurdSchedule, {}, target).summary, target).toBe('A schedule keeps an absurd number of backups: velero-daily ~4032.');
    }
  });

  it('uses the declared lifecycle only for a configuration input: without a bucket read a cluster\'s lifecycle is not shown', () => {
    const plan = defaultPlan();
    const state = scenarioState([...healthyVeleroObjects(), ...healthyAppObjects()], plan);
    const finding = judgeRetention({ state, plan, target: 'cluster', now: new Date('2026-06-15T12:00:00Z') });
    expect(finding.status).toBe('skip');
    expect(finding.summary).toMatch(/^The bucket was not read/);
  });

  it('a paused schedule adds no TTL, and a server --default-backup-ttl only warns about manual backups', () => {
    const paused = judgeRendered('beyond.retention', (docs) => {
      const other = structuredClone(findDoc(docs, 'Schedule', 'velero-daily'));
      other.metadata.name = 'velero-yearly';
      Object.assign(other.spec, { paused: true, template: { ...other.spec.template, ttl: '8760h' } });
      docs.push(other);
    }, { retention: { bucketLifecycle: [{ prefix: 'backups/', expirationDays: 16 }] } });
    expect(paused.status).toBe('pass');
    expect(paused.evidence).toContain('Longest TTL in use: 14d (336h) from Schedule velero-daily template.ttl 336h');
    const flagged = judgeRendered('beyond.retention', (docs) => findDoc(docs, 'Deployment', 'velero').spec.template.spec.containers[0].args.push('--default-backup-ttl=720h'), {
      retention: { bucketLifecycle: [{ prefix: 'backups/', expirationDays: 16 }] },
    });
    expect(flagged.status).toBe('pass');
    expect(flagged.warnings).toEqual([
      'Manual backups without --ttl get server flag --default-backup-ttl=720h: rule "plan rule #1" removes their files under backups/ before they expire.',
    ]);
  });
});

// Pasted evidence: only what it shows is judged. A paste never holds the bucket, so the lifecycle is
// "not shown"; the Schedules and Backups it shows are judged as on any other target.
describe('beyond.retention on pasted evidence', () => {
  const SCHEDULE_GET = 'NAME       STATUS    CREATED                         SCHEDULE      BACKUP TTL   LAST BACKUP   SELECTOR';
  const BACKUP_GET = 'NAME             STATUS      ERRORS   WARNINGS   CREATED                         EXPIRES   STORAGE LOCATION   SELECTOR';
  async function pasted(text: string) {
    const dir = mkdtempSync(join(tmpdir(), 'vv-retention-'));
    writeFileSync(join(dir, 'paste.txt'), text);
    const { findings, state } = await triage(join(dir, 'paste.txt'), parsePlan({ expect: false }));
    expect(state.evidence?.mode).toBe('paste');
    return findings.get('beyond.retention')!;
  }

  it('fails a pasted Schedule whose frequency × TTL keeps an absurd number of backups', async () => {
    const finding = await pasted(`$ velero schedule get\n${SCHEDULE_GET}\nfrequent   Enabled   2025-03-01 10:00:00 +0000 UTC   */5 * * * *   720h0m0s     3m ago        <none>\n`);
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('A schedule keeps an absurd number of backups: frequent ~8640.');
    expect(finding.evidence[0]).toBe('Bucket lifecycle: not shown (Not shown in this evidence: no bucket lifecycle is shown (capture the bucket with `node scripts/capture.mjs --out <dir>`).)');
    expect(finding.evidence[1]).toBe('Schedule frequent: "*/5 * * * *" every ~5m × ttl 720h0m0s keeps ~8640 backups at once');
    expect(finding.quotes?.[0]?.text).toMatch(/^frequent +Enabled/);
  });

  it('a pasted Schedule with a sensible TTL leaves the lifecycle "not shown", with what the Schedule keeps as evidence', async () => {
    const finding = await pasted(`${SCHEDULE_GET}\ndaily      Enabled   2025-03-01 10:00:00 +0000 UTC   0 3 * * *     336h0m0s     3h ago        <none>\n`);
    expect(finding.status).toBe('skip');
    expect(finding.summary).toBe('Not shown in this evidence: no bucket lifecycle is shown (capture the bucket with `node scripts/capture.mjs --out <dir>`).');
    expect(finding.evidence).toEqual(['Schedule daily: "0 3 * * *" every ~1d (24h) × ttl 336h0m0s keeps ~14 backups at once']);
  });

  it('fails a backup shown Deleting on a paste, with the failure signature and the quoted row', async () => {
    const finding = await pasted(`$ velero get backups\n${BACKUP_GET}\nold-backup       Deleting    0        0          2025-03-01 10:00:00 +0000 UTC   29d       default            <none>\n`);
    expect(finding.status).toBe('fail');
    expect(finding.code).toBe('VV-DEL-001');
    expect(finding.summary).toBe('backup stuck Deleting: The backup old-backup is Deleting: its DeleteBackupRequest has not finished (it stays so while the BSL is unavailable or read-only, or a volume snapshot or repository cannot be deleted).');
    expect(finding.quotes?.map((quote) => quote.line)).toEqual([3]);
  });

  it('a backup Deleting in a full listing (cluster) is a warning: one look cannot tell a deletion just begun from a stuck one', async () => {
    const finding = await judged({
      cluster: (objects) => mapObjects(objects, (o) => o.kind === 'Backup' && o.metadata.name === MANUAL_BACKUP, (o) => ({ ...o, status: { ...o.status, phase: 'Deleting' } })),
    });
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe("No bucket lifecycle: retention is owned by Velero's TTL.");
    expect(finding.warnings).toContain(
      `Backup(s) shown in Deleting: ${MANUAL_BACKUP} — deletion has not finished. If it stays so, read kubectl -n velero get deletebackuprequests -o yaml (status.errors) and the server log for "delete backup"; an Unavailable or ReadOnly storage location, or a missing volume snapshotter plugin, blocks deletion.`,
    );
  });
});
