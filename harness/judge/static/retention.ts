/**
 * beyond.retention, manifests — plan: "MinIO ILM is 14 days; Velero TTL should match."
 *
 * Rendered manifests cannot read the bucket, so the lifecycle judged is the one the plan
 * declares (`plan.retention.bucketLifecycle`; its default is the plan's words read literally — a
 * bucket-wide 14-day expiration, research/retention-and-exposure.md §0: "MinIO ILM is 14 days"
 * with no prefix stated is bucket-wide until proven otherwise). It is checked against the
 * rendered TTLs with `analyzeRetention` (lifecycle.ts): an expiration that reaches `kopia/` is
 * critical whatever the TTL; a `backups/` rule shorter than TTL + GC slack fails or warns.
 */
import { formatDuration, parseGoDuration } from '../../duration.ts';
import { analyzeRetention, rulesFromPlan } from '../lifecycle.ts';
import { fail, pass, type Finding, type JudgeContext } from '../types.ts';
import { inNamespace, selectPlanBsl, serverDefaultBackupTtl, serverFlag, veleroDeployment } from '../velero-objects.ts';
import { provenance, staticJudge } from './common.ts';

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
  if (ttls.length === 0) ttls.push({ ms: parseGoDuration(plan.schedule.ttl)!, from: `plan schedule.ttl ${plan.schedule.ttl} (no Schedule rendered)` });
  return ttls;
}

/** "Summary." + " (derived …)" → "Summary (derived …)." */
function withProvenance(summary: string, from: string): string {
  return from ? `${summary.replace(/\.$/, '')}${from}.` : summary;
}

function judge(context: JudgeContext): Finding {
  const { state, plan } = context;
  const declared = plan.retention.bucketLifecycle;
  const rules = rulesFromPlan(declared);
  const bsl = selectPlanBsl(state, plan).object;
  const prefix = typeof bsl?.spec?.objectStorage?.prefix === 'string' ? bsl.spec.objectStorage.prefix : plan.storage.prefix;
  const ttls = ttlsInForce(context);
  const longest = ttls.reduce((a, b) => (b.ms > a.ms ? b : a));
  const analysis = analyzeRetention({ rules, veleroPrefix: prefix, longestTtlMs: longest.ms, gcSlackMs: parseGoDuration(plan.retention.gcSlack)! });

  const declaredText = declared.length
    ? declared.map((rule) => `${rule.prefix === '' ? 'whole bucket' : `prefix "${rule.prefix}"`} expires after ${rule.expirationDays} days`).join('; ')
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
  const expected =
    'Plan: "MinIO ILM is 14 days; Velero TTL should match." — no expiration rule reaches kopia/ (it destroys the Kopia repository); a backups/ rule is not shorter than the TTL plus GC slack.';
  const from = provenance(state);
  const extra = { expected, warnings: warnings.length ? warnings : undefined, critical: analysis.critical || undefined };
  if (analysis.status === 'fail') {
    const remediation =
      `${analysis.remediation ?? ''} In velero-verify.yaml, declare the lifecycle the bucket really has (retention.bucketLifecycle: [] when there is none) — ` +
      'the default is the plan\'s "MinIO ILM is 14 days" read as a bucket-wide rule.';
    return fail(ID, withProvenance(analysis.summary, from), evidence, remediation.trim(), extra);
  }
  return pass(ID, withProvenance(analysis.summary, from), evidence, extra);
}

export const judgeRetentionManifests = staticJudge(ID, judge);
