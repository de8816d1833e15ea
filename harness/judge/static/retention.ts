/**
 * beyond.retention, manifests — plan: "MinIO ILM is 14 days; Velero TTL should match."
 *
 * Rendered manifests cannot read the bucket, so the lifecycle judged is the one the plan
 * declares (`plan.retention.bucketLifecycle`; its default is the plan's words read literally — a
 * bucket-wide 14-day expiration, docs/retention-and-exposure.md §4.2: "MinIO ILM is 14 days"
 * with no prefix stated is bucket-wide until proven otherwise). It is checked against the
 * rendered TTLs with `analyzeRetention` (lifecycle.ts): an expiration that reaches `kopia/` is
 * critical whatever the TTL; a `backups/` rule shorter than TTL + GC slack fails or warns.
 */
import { formatDuration, parseGoDuration } from '../../duration.ts';
import { declaredBucketLifecycle, expects } from '../../plan.ts';
import { analyzeRetention, rulesFromPlan } from '../lifecycle.ts';
import { fail, pass, type Finding, type JudgeContext } from '../types.ts';
import { inNamespace } from '../facts/object-access.ts';
import { parseVeleroCron } from '../facts/velero-cron.ts';
import { selectPlanBsl } from '../facts/plan-objects.ts';
import { serverDefaultBackupTtl, serverFlag, veleroDeployment } from '../facts/workloads.ts';
import { provenance } from '../facts/manifests-input.ts';

const ID = 'beyond.retention' as const;

interface TtlSource {
  ms: number;
  from: string;
}

/** TTLs in force: each rendered Schedule's template.ttl (or the server default), else the plan's TTL. */
function ttlsInForce(context: JudgeContext): TtlSource[] {
  const { state, plan } = context;
  const fallback = serverDefaultBackupTtl(state, plan);
  const ttls: TtlSource[] = [];
  for (const schedule of inNamespace(state.objects.schedules, plan.namespace)) {
    if (schedule.spec?.paused === true) continue;
    const text = schedule.spec?.template?.ttl;
    const ms = typeof text === 'string' ? parseGoDuration(text) : fallback.ms;
    if (ms !== undefined) ttls.push({ ms, from: `Schedule ${schedule.metadata.name} ttl ${typeof text === 'string' ? text : `unset → ${fallback.text}`}` });
  }
  if (serverFlag(veleroDeployment(state, plan), 'default-backup-ttl') !== undefined) ttls.push({ ms: fallback.ms, from: fallback.source });
  if (ttls.length === 0 && expects(plan, 'ttl')) ttls.push({ ms: parseGoDuration(plan.schedule.ttl)!, from: `plan schedule.ttl ${plan.schedule.ttl} (no Schedule rendered)` });
  if (ttls.length === 0) ttls.push({ ms: fallback.ms, from: `no Schedule rendered; manual backups get ${fallback.source}` });
  return ttls;
}

/** More backups than this kept at once by one schedule is a configuration mistake, not a policy. */
export const ABSURD_BACKUP_COUNT = 1000;
/** Above this, Velero's sync and GC slow down noticeably: worth a warning. */
export const LARGE_BACKUP_COUNT = 200;

/**
 * How many backups each Schedule keeps at once: TTL ÷ the interval between its runs (the shortest
 * gap over a week of runs, from a fixed instant so the result does not depend on the clock).
 */
function backupsKept(context: JudgeContext): Array<{ schedule: string; kept: number; text: string }> {
  const { state, plan } = context;
  const fallback = serverDefaultBackupTtl(state, plan);
  const out: Array<{ schedule: string; kept: number; text: string }> = [];
  for (const schedule of inNamespace(state.objects.schedules, plan.namespace)) {
    if (schedule.spec?.paused === true) continue;
    const cron = parseVeleroCron(String(schedule.spec?.schedule ?? ''));
    const ttlText = typeof schedule.spec?.template?.ttl === 'string' ? schedule.spec.template.ttl : undefined;
    const ttl = ttlText !== undefined ? parseGoDuration(ttlText) : fallback.ms;
    if (!cron.ok || ttl === undefined) continue;
    const runs: number[] = [];
    let at = new Date(Date.UTC(2025, 0, 6));
    const end = at.getTime() + 7 * 86_400_000;
    while (at.getTime() < end && runs.length < 20_000) {
      at = cron.next(at);
      runs.push(at.getTime());
    }
    const gaps = runs.slice(1).map((time, index) => time - runs[index]).filter((gap) => gap > 0);
    if (gaps.length === 0) continue;
    const average = (runs[runs.length - 1] - runs[0]) / gaps.length;
    const kept = Math.floor(ttl / average);
    out.push({ schedule: schedule.metadata.name, kept, text: `Schedule ${schedule.metadata.name}: "${String(schedule.spec?.schedule)}" every ~${formatDuration(average)} × ttl ${ttlText ?? `unset → ${fallback.text}`} keeps ~${kept} backups at once` });
  }
  return out;
}

/** "Summary." + " (derived …)" → "Summary (derived …)." */
function withProvenance(summary: string, from: string): string {
  return from ? `${summary.replace(/\.$/, '')}${from}.` : summary;
}

function judge(context: JudgeContext): Finding {
  const { state, plan } = context;
  const declared = declaredBucketLifecycle(plan);
  const rules = rulesFromPlan(declared);
  const bsl = selectPlanBsl(state, plan).object;
  const prefix = typeof bsl?.spec?.objectStorage?.prefix === 'string' ? bsl.spec.objectStorage.prefix : plan.storage.prefix;
  const ttls = ttlsInForce(context);
  const longest = ttls.reduce((a, b) => (b.ms > a.ms ? b : a));
  const analysis = analyzeRetention({ rules, veleroPrefix: prefix, longestTtlMs: longest.ms, gcSlackMs: parseGoDuration(plan.retention.gcSlack)! });

  const declaredText = declared.length
    ? declared.map((rule) => `${rule.prefix === '' ? 'whole bucket' : `prefix "${rule.prefix}"`} expires after ${rule.expirationDays} days`).join('; ')
    : plan.retention.bucketLifecycle === undefined
      ? 'not declared, and not readable from manifests (not shown)'
      : 'none';
  const evidence = [
    `Declared bucket lifecycle (plan.retention.bucketLifecycle; the manifests target cannot read the bucket): ${declaredText}`,
    `TTLs in force: ${ttls.map((t) => t.from).join('; ')} (longest ${formatDuration(longest.ms)})`,
    ...analysis.evidence,
  ];
  const warnings = [...analysis.warnings];
  const manualTtl = serverDefaultBackupTtl(state, plan);
  const backupsRule = declared.find((rule) => analysis.targets.backups.startsWith(rule.prefix) || rule.prefix.startsWith(analysis.targets.backups));
  if (backupsRule && backupsRule.expirationDays * 86_400_000 < manualTtl.ms) {
    warnings.push(
      `Manual backups without --ttl get ${manualTtl.source}: the declared ${backupsRule.expirationDays}-day rule removes their files under ${analysis.targets.backups} before they expire.`,
    );
  }
  const kept = backupsKept(context);
  evidence.push(...kept.map((entry) => entry.text));
  const absurd = kept.filter((entry) => entry.kept > ABSURD_BACKUP_COUNT);
  for (const entry of kept.filter((e) => e.kept > LARGE_BACKUP_COUNT && e.kept <= ABSURD_BACKUP_COUNT)) {
    warnings.push(`${entry.text}: Velero lists, syncs and garbage-collects every one of them.`);
  }
  const expected =
    'Plan: "MinIO ILM is 14 days; Velero TTL should match." — no expiration rule reaches kopia/ (it destroys the Kopia repository); a backups/ rule is not shorter than the TTL plus GC slack; ' +
    `no schedule keeps more than ${ABSURD_BACKUP_COUNT} backups at once.`;
  const from = provenance(state);
  const extra = { expected, warnings: warnings.length ? warnings : undefined, critical: analysis.critical || undefined };
  if (absurd.length && analysis.status !== 'fail') {
    return fail(
      ID,
      withProvenance(`A schedule keeps an absurd number of backups: ${absurd.map((entry) => `${entry.schedule} ~${entry.kept}`).join(', ')}.`, from),
      evidence,
      'Lower the schedule frequency or the ttl (schedules.<name>.template.ttl) so that frequency × TTL keeps a number of backups Velero can list and sync (e.g. hourly × 72h = 72).',
      extra,
    );
  }
  if (analysis.status === 'fail') {
    const remediation =
      `${analysis.remediation ?? ''} In velero-verify.yaml, declare the lifecycle the bucket really has (retention.bucketLifecycle: [] when there is none)` +
      (plan.retention.bucketLifecycle === undefined ? ' — the default is the plan\'s "MinIO ILM is 14 days" read as a bucket-wide rule.' : '.');
    return fail(ID, withProvenance(analysis.summary, from), evidence, remediation.trim(), extra);
  }
  return pass(ID, withProvenance(analysis.summary, from), evidence, extra);
}

export const judgeRetentionManifests = judge;
