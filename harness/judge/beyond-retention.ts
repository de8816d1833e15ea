/**
 * beyond.retention, live — plan: "MinIO ILM is 14 days; Velero TTL should match."
 *
 * Judges the lifecycle the bucket really has (read by harness/bucket/collect.ts) with
 * `analyzeRetention` (lifecycle.ts; docs/retention-and-exposure.md §6):
 * - CRITICAL: an enabled expiration reaching `<p>kopia/` (bucket-wide included) — it destroys
 *   kopia.repository and packs that live backups need, whatever the TTL (docs/retention-and-exposure.md §1.3, docs/architecture.md §7).
 *   MinIO's `x-amz-expiration` header on HEAD kopia.repository confirms it (rule K2, §4.3).
 * - FAIL / WARN: a `backups/` rule shorter than the longest TTL / than TTL + GC slack.
 * - No lifecycle (404 NoSuchLifecycleConfiguration) is the safe state.
 * The TTL is the longest of the Schedules' template.ttl and the Backups' spec.ttl, compared as
 * durations (docs/velero-facts.md §3). Versioning and object lock are noted (docs/retention-and-exposure.md §3, rules V1/O1).
 */
import { formatDuration, parseGoDuration } from '../duration.ts';
import { declaredBucketLifecycle } from '../plan.ts';
import type { BucketState } from '../bucket/types.ts';
import { analyzeRetention, normalizeLifecycleRules, prefixesOverlap, type LifecycleRule } from './lifecycle.ts';
import { bucketUnavailableReason } from './dod-data-in-bucket.ts';
import { fail, pass, skip, type Finding, type Judge, type JudgeContext } from './types.ts';
import { inNamespace } from './facts/object-access.ts';
import { serverDefaultBackupTtl } from './facts/workloads.ts';

const ID = 'beyond.retention' as const;
const EXPECTED =
  'Plan: "MinIO ILM is 14 days; Velero TTL should match." — no expiration rule reaches kopia/ (it destroys the Kopia repository); a backups/ rule is not shorter than the TTL plus GC slack. Retention belongs to Velero\'s TTL.';

export interface TtlInUse {
  ms: number;
  from: string;
}

/** TTLs in use: each Schedule's template.ttl and each Backup's spec.ttl; the server default when there is none. */
export function ttlsInUse(context: Pick<JudgeContext, 'state' | 'plan'>): TtlInUse[] {
  const { state, plan } = context;
  const fallback = serverDefaultBackupTtl(state, plan);
  const ttls: TtlInUse[] = [];
  for (const schedule of inNamespace(state.objects.schedules, plan.namespace)) {
    const text = schedule.spec?.template?.ttl;
    // A template without ttl gets the server default when each backup starts (docs/velero-facts.md §3).
    const ms = typeof text === 'string' ? parseGoDuration(text) : fallback.ms;
    if (ms !== undefined) ttls.push({ ms, from: `Schedule ${schedule.metadata.name} template.ttl ${typeof text === 'string' ? text : `unset → ${fallback.text}`}` });
  }
  for (const backup of inNamespace(state.objects.backups, plan.namespace)) {
    const text = backup.spec?.ttl;
    const ms = typeof text === 'string' ? parseGoDuration(text) : undefined;
    if (ms !== undefined) ttls.push({ ms, from: `Backup ${backup.metadata.name} spec.ttl ${text}` });
  }
  if (ttls.length === 0) ttls.push({ ms: fallback.ms, from: `${fallback.source} (no Schedule or Backup holds a TTL)` });
  return ttls;
}

function policyNotes(bucket: BucketState, rules: LifecycleRule[], evidence: string[], warnings: string[]): void {
  const versioning = bucket.versioning;
  if (versioning?.error) evidence.push(`Versioning: not readable (${versioning.error.code ?? versioning.error.message})`);
  else if (versioning) {
    evidence.push(`Versioning: ${versioning.status ?? 'never enabled'}`);
    const purgesNoncurrent = rules.some((rule) => rule.enabled && rule.noncurrentExpirationDays !== undefined);
    if (versioning.status === 'Enabled' && !purgesNoncurrent) {
      // docs/retention-and-exposure.md §3: Velero's deletes leave noncurrent versions behind.
      warnings.push('Bucket versioning is Enabled without a NoncurrentVersionExpiration rule: every object Velero or Kopia deletes stays as a noncurrent version and storage grows without bound.');
    }
  }
  const lock = bucket.objectLock;
  if (lock?.error) evidence.push(`Object lock: not readable (${lock.error.code ?? lock.error.message})`);
  else if (lock) {
    const retention = lock.mode ? `, default retention ${lock.mode} ${lock.days !== undefined ? `${lock.days} days` : `${lock.years ?? '?'} years`}` : '';
    evidence.push(`Object lock: ${lock.configured ? `${lock.enabled ? 'Enabled' : 'configured'}${retention}` : 'not configured'}`);
    if (lock.mode) warnings.push('Object lock with a default retention on the Velero bucket is not supported by Velero (it rewrites backup metadata; backup-reference.md "Cannot support backup data immutability").');
  }
}

export const judgeRetentionLive: Judge = (context): Finding => {
  const { state, plan, target } = context;
  const unavailable = bucketUnavailableReason(state, target);
  if (unavailable) return skip(ID, unavailable);
  const bucket = state.bucket!;

  const expiring = bucket.kopia.repositories.filter((repository) => repository.repositoryExpiration);
  const expirationEvidence = expiring.map((repository) => `HEAD ${repository.prefix}kopia.repository: x-amz-expiration: ${repository.repositoryExpiration} (MinIO will expire the repository's format blob)`);

  if (!bucket.lifecycle && expiring.length === 0) return skip(ID, 'The bucket read holds no lifecycle configuration (not captured); re-capture the bucket with scripts/capture.mjs.');
  if (bucket.lifecycle?.error && expiring.length === 0) {
    const error = bucket.lifecycle.error;
    return skip(ID, `The bucket lifecycle could not be read (${error.code ?? ''}${error.code ? ': ' : ''}${error.message}); grant the audit credentials s3:GetLifecycleConfiguration.`);
  }

  const rules = normalizeLifecycleRules(bucket.lifecycle?.rules ?? []);
  const ttls = ttlsInUse(context);
  const longest = ttls.reduce((a, b) => (b.ms > a.ms ? b : a));
  const gcSlackMs = parseGoDuration(plan.retention.gcSlack)!;
  const analysis = analyzeRetention({ rules, veleroPrefix: bucket.prefix, longestTtlMs: longest.ms, gcSlackMs });

  const evidence = [
    bucket.lifecycle?.error
      ? `Bucket lifecycle: not readable (${bucket.lifecycle.error.code ?? bucket.lifecycle.error.message})`
      : `Bucket lifecycle of ${bucket.bucket}: ${bucket.lifecycle?.configured ? `${rules.length} rule(s)` : 'none (NoSuchLifecycleConfiguration)'}`,
    `Longest TTL in use: ${formatDuration(longest.ms)} from ${longest.from}${ttls.length > 1 ? ` (of ${ttls.length} TTLs)` : ''}`,
    ...analysis.evidence,
    ...expirationEvidence,
  ];
  const checkedRepositories = bucket.kopia.repositories.filter((repository) => repository.hasRepository && !repository.repositoryHeadError).length;
  if (checkedRepositories > 0 && expiring.length === 0) evidence.push(`HEAD kopia.repository of ${checkedRepositories} repositor${checkedRepositories === 1 ? 'y' : 'ies'}: no x-amz-expiration header`);
  const warnings = [...analysis.warnings];
  policyNotes(bucket, rules, evidence, warnings);
  // Future manual backups without --ttl get the server default (docs/velero-facts.md §3): a shorter backups/ rule removes them early.
  const manualTtl = serverDefaultBackupTtl(state, plan);
  const shortBackupsRule = rules.find(
    (rule) => rule.enabled && !rule.tagScoped && rule.expirationDays !== undefined && prefixesOverlap(rule.prefix, analysis.targets.backups) && rule.expirationDays * 86_400_000 < manualTtl.ms,
  );
  if (shortBackupsRule && analysis.status === 'pass') {
    warnings.push(`Manual backups without --ttl get ${manualTtl.source}: rule "${shortBackupsRule.id}" removes their files under ${analysis.targets.backups} before they expire.`);
  }
  const declared = declaredBucketLifecycle(plan);
  if (declared.length > 0 && !bucket.lifecycle?.configured && !bucket.lifecycle?.error) {
    warnings.push('The plan declares a bucket lifecycle (retention.bucketLifecycle) but the bucket has none — good; set retention.bucketLifecycle: [] so the manifests gate agrees.');
  }

  const critical = analysis.critical || expiring.length > 0;
  const extra = { expected: EXPECTED, warnings: warnings.length ? warnings : undefined, critical: critical || undefined };
  if (analysis.status === 'fail' || expiring.length > 0) {
    const summary =
      analysis.critical || expiring.length === 0
        ? analysis.summary
        : `MinIO reports an expiration date for kopia.repository in ${expiring.map((repository) => repository.prefix).join(', ')}: a lifecycle rule will destroy the Kopia repository.`;
    const remediation =
      analysis.remediation ??
      `Find and remove the lifecycle rule that the x-amz-expiration header names (\`mc ilm rule ls ALIAS/${bucket.bucket}\`); never let an expiration reach kopia/.`;
    return fail(ID, summary, evidence, remediation, extra);
  }
  return pass(ID, analysis.summary, evidence, extra);
};
