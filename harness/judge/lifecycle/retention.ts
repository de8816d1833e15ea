/**
 * What bucket lifecycle (ILM) rules do to a Velero + Kopia bucket. Pure: no I/O.
 *
 * The rules come normalised (rule.ts; from S3 JSON or XML by s3-rules.ts, or from the plan), then
 * `analyzeRetention({ rules, veleroPrefix, longestTtlMs, gcSlackMs })` decides
 * (docs/retention-and-exposure.md §6, docs/architecture.md §7):
 * - CRITICAL: an enabled Expiration (Days or Date) whose filter can reach `<p>kopia/` — a
 *   bucket-wide rule included. Kopia packs are content-addressed and shared by every later
 *   snapshot; `kopia.repository` is written once at init. Age says nothing about liveness, so an
 *   age rule deletes data live backups need and makes the repository unopenable (docs/retention-and-exposure.md §1.3,
 *   ionfury/homelab PR #953).
 * - FAIL: an Expiration on `<p>backups/` shorter than the longest TTL (backups vanish early; the
 *   sync controller then drops the Backup CRs and the kopia snapshots are never forgotten, §2.2).
 * - WARN: shorter than TTL + GC slack (ILM races Velero's GC, §2.3).
 * A missing lifecycle is the safe state, never a problem (docs/retention-and-exposure.md §4.1).
 */
import { formatDuration } from '../../duration.ts';
import { describeRule, expiresCurrentObjects, type LifecycleRule } from './rule.ts';
import { prefixesOverlap, veleroRoot } from './velero-prefixes.ts';

const DAY_MS = 86_400_000;

export type RetentionSeverity = 'critical' | 'fail' | 'warn' | 'info';

export interface RetentionProblem {
  severity: RetentionSeverity;
  /** The rule's id (`LifecycleRule.id`). */
  ruleId: string;
  /** Which Velero area it touches. */
  area: 'kopia' | 'backups' | 'restores' | 'other';
  message: string;
}

export interface RetentionInput {
  rules: readonly LifecycleRule[];
  /** The BSL's `spec.objectStorage.prefix` ('' or undefined = none). */
  veleroPrefix: string | undefined;
  /** The longest backup TTL in use (schedules' template ttl, backups' spec.ttl), ms. */
  longestTtlMs: number;
  /** Time Velero's GC and Kopia maintenance need after a TTL (plan.retention.gcSlack), ms. */
  gcSlackMs: number;
}

export interface RetentionAnalysis {
  /** 'fail' when any problem is critical or fail; warnings alone keep 'pass'. */
  status: 'pass' | 'fail';
  critical: boolean;
  /** Every rule's verdict, worst first. */
  problems: RetentionProblem[];
  /** One line for the report. */
  summary: string;
  /** Lines for Finding.evidence (every rule and what it reaches). */
  evidence: string[];
  /** Lines for Finding.warnings (warn-level problems). */
  warnings: string[];
  /** What to do, naming the exact rules; set when status is 'fail' or there are warnings. */
  remediation?: string;
  /** The smallest safe backstop for backups/, in days (ceil((TTL + slack) / 24h)). */
  safeBackupsDays: number;
  /** The three prefixes that were checked. */
  targets: { kopia: string; backups: string; restores: string };
}

const SEVERITY_ORDER: Record<RetentionSeverity, number> = { critical: 0, fail: 1, warn: 2, info: 3 };

/** Judge lifecycle rules against a Velero layout (see the module comment for the decision rules). */
export function analyzeRetention(input: RetentionInput): RetentionAnalysis {
  const root = veleroRoot(input.veleroPrefix);
  const targets = { kopia: `${root}kopia/`, backups: `${root}backups/`, restores: `${root}restores/` };
  const safeBackupsDays = Math.max(1, Math.ceil((input.longestTtlMs + input.gcSlackMs) / DAY_MS));
  const ttlText = formatDuration(input.longestTtlMs);
  const slackText = formatDuration(input.gcSlackMs);
  const problems: RetentionProblem[] = [];

  for (const rule of input.rules) {
    const name = describeRule(rule);
    if (!rule.enabled) {
      problems.push({ severity: 'info', ruleId: rule.id, area: 'other', message: `${name}: ignored, the rule is Disabled.` });
      continue;
    }
    const reachesKopia = prefixesOverlap(rule.prefix, targets.kopia);
    const reachesBackups = prefixesOverlap(rule.prefix, targets.backups);
    const reachesRestores = prefixesOverlap(rule.prefix, targets.restores);
    if (!reachesKopia && !reachesBackups && !reachesRestores) {
      problems.push({ severity: 'info', ruleId: rule.id, area: 'other', message: `${name}: does not reach Velero's ${root || 'bucket root '}kopia/, backups/ or restores/.` });
      continue;
    }
    if (rule.tagScoped) {
      // docs/retention-and-exposure.md §4.2: Velero and Kopia never tag objects, so a tag filter cannot match them — but verify.
      problems.push({
        severity: 'warn',
        ruleId: rule.id,
        area: reachesKopia ? 'kopia' : reachesBackups ? 'backups' : 'restores',
        message: `${name}: tag-scoped; Velero and Kopia do not tag objects, so it should never match them — verify no tooling tags objects under ${root || 'the bucket root'}.`,
      });
      continue;
    }
    if (reachesKopia) {
      if (expiresCurrentObjects(rule)) {
        problems.push({
          severity: 'critical',
          ruleId: rule.id,
          area: 'kopia',
          message:
            `${name} reaches ${targets.kopia}: Kopia packs are shared by every later snapshot and kopia.repository is written once, ` +
            `so an age-based expiration deletes data that live backups need and makes the repository unopenable, whatever the TTL` +
            (rule.sizeScoped ? ' (a size filter does not make it safe)' : '') +
            '.',
        });
      } else if (rule.hasTransition) {
        problems.push({ severity: 'warn', ruleId: rule.id, area: 'kopia', message: `${name} moves ${targets.kopia} objects to another storage class: Kopia needs instant reads, archive tiers break it.` });
      } else {
        problems.push({
          severity: 'info',
          ruleId: rule.id,
          area: 'kopia',
          message: `${name} reaches ${targets.kopia} but only removes noncurrent versions or delete markers: compatible with Kopia (it bounds the point-in-time recovery window).`,
        });
      }
    }
    if (reachesBackups && expiresCurrentObjects(rule)) {
      if (rule.expirationDate !== undefined && rule.expirationDays === undefined) {
        problems.push({
          severity: 'fail',
          ruleId: rule.id,
          area: 'backups',
          message: `${name} reaches ${targets.backups}: a fixed expiration date removes every backup from that day on, regardless of its TTL (${ttlText}).`,
        });
      } else {
        const ruleMs = rule.expirationDays! * DAY_MS;
        if (ruleMs < input.longestTtlMs) {
          problems.push({
            severity: 'fail',
            ruleId: rule.id,
            area: 'backups',
            message:
              `${name} reaches ${targets.backups} and expires after ${formatDuration(ruleMs)}, shorter than the longest TTL ${ttlText}: ` +
              'backups vanish before their TTL, the sync controller then deletes their Backup objects without forgetting the Kopia snapshots (a silent repository leak).',
          });
        } else if (ruleMs < input.longestTtlMs + input.gcSlackMs) {
          problems.push({
            severity: 'warn',
            ruleId: rule.id,
            area: 'backups',
            message:
              `${name} reaches ${targets.backups} and expires after ${formatDuration(ruleMs)}, shorter than TTL ${ttlText} + GC slack ${slackText}: ` +
              'it races Velero\'s own deletion (late-evening backups, GC delays, a ReadOnly BSL during a restore).',
          });
        } else {
          problems.push({ severity: 'info', ruleId: rule.id, area: 'backups', message: `${name} reaches ${targets.backups} as a backstop longer than TTL + slack: harmless.` });
        }
      }
    }
    if (reachesRestores && !reachesBackups && expiresCurrentObjects(rule)) {
      problems.push({ severity: 'info', ruleId: rule.id, area: 'restores', message: `${name} reaches ${targets.restores}: only restore logs and results, harmless.` });
    }
    if (reachesBackups && !reachesKopia && !expiresCurrentObjects(rule)) {
      problems.push({ severity: 'info', ruleId: rule.id, area: 'backups', message: `${name} reaches ${targets.backups} without expiring current objects.` });
    }
  }

  problems.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const critical = problems.some((problem) => problem.severity === 'critical');
  const failing = problems.filter((problem) => problem.severity === 'critical' || problem.severity === 'fail');
  const warned = problems.filter((problem) => problem.severity === 'warn');
  const status = failing.length > 0 ? 'fail' : 'pass';

  const evidence: string[] = [];
  if (input.rules.length === 0) evidence.push('No lifecycle rules: retention is left to Velero\'s TTL (the safe state).');
  for (const problem of problems) evidence.push(`[${problem.severity}] ${problem.message}`);
  evidence.push(`Longest TTL ${ttlText}; GC slack ${slackText}; checked prefixes ${targets.kopia}, ${targets.backups}, ${targets.restores}.`);

  let summary: string;
  if (critical) {
    const ids = [...new Set(problems.filter((p) => p.severity === 'critical').map((p) => `"${p.ruleId}"`))].join(', ');
    summary = `Lifecycle rule ${ids} expires objects under ${targets.kopia}: it will destroy the Kopia repository.`;
  } else if (failing.length > 0) {
    summary = `Lifecycle rule ${[...new Set(failing.map((p) => `"${p.ruleId}"`))].join(', ')} expires backups before their TTL (${ttlText}).`;
  } else if (input.rules.length === 0) summary = 'No bucket lifecycle: retention is owned by Velero\'s TTL.';
  else if (warned.length > 0) summary = `Lifecycle rules do not reach ${targets.kopia}, but ${warned.length === 1 ? 'one races' : `${warned.length} race`} Velero's TTL.`;
  else summary = `Lifecycle rules do not reach ${targets.kopia} and do not cut backups short.`;

  let remediation: string | undefined;
  if (failing.length > 0 || warned.length > 0) {
    const offending = [...new Set([...failing, ...warned].map((p) => p.ruleId))];
    remediation =
      `Remove lifecycle rule${offending.length > 1 ? 's' : ''} ${offending.map((id) => `"${id}"`).join(', ')} ` +
      `(MinIO: \`mc ilm rule rm --id <ID> ALIAS/BUCKET\`; a rule the plan declares: change plan.retention.bucketLifecycle). ` +
      `Retention belongs to Velero's TTL: no lifecycle rule is the recommended state. If you want a backstop, scope one rule to ` +
      `"${targets.backups}" only with Expiration Days >= ${safeBackupsDays} (longest TTL ${ttlText} + GC slack ${slackText}), ` +
      `e.g. \`mc ilm rule add --prefix "${targets.backups}" --expire-days ${safeBackupsDays} ALIAS/BUCKET\`; never let an expiration reach "${targets.kopia}".` +
      (critical ? ' Then check the Kopia repositories (kopia.repository, packs) and take a fresh backup: expired blobs cannot be recovered.' : '');
  }
  return {
    status,
    critical,
    problems,
    summary,
    evidence,
    warnings: warned.map((problem) => problem.message),
    remediation,
    safeBackupsDays,
    targets,
  };
}
