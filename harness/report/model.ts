/**
 * The audit report (docs/architecture.md §6) and the verdict rules, as pure functions of the item results.
 * The vitest reporter adapts test results into `ItemResult`s; everything that decides the verdict
 * lives here so it can be tested without running vitest.
 */
import { CATALOG, notEvaluableReason, type CatalogItem, type ItemId, type TargetKind } from '../catalog.ts';
import type { EvidenceQuote, Finding } from '../judge/types.ts';
import type { RunContext } from '../run-context.ts';
import type { ClusterInfo } from '../state.ts';
import type { DrillResult } from '../drill/types.ts';
import { NOT_SHOWN_PREFIX } from '../evidence/shown.ts';
import { stripControlsDeep } from './sanitize.ts';

/** 2: failures carry `code`, `cause`, `fix` and `quotes` (input lines with source and line); the report lists `evidence` read and not shown. */
const REPORT_SCHEMA_VERSION = 2;

export type Verdict = 'APPROVE' | 'REJECT' | 'NOT RUN';
export type ItemStatus = 'pass' | 'fail' | 'skip';

/**
 * Why an item was skipped — the kinds are distinct because they weigh differently in the verdict:
 * - `not-evaluable`: the target cannot judge the item by design (manifests cannot prove a backup
 *   ran, a snapshot cannot run the drill). Never blocks.
 * - `opted-out`: the user switched the item off with a flag (`--read-only` for the drill). Never
 *   blocks; reported `NOT RUN: <flag>`.
 * - `not-verified`: a live target (`cluster`, `kind`) should have judged it and could not (RBAC
 *   gap, unreadable bucket, nothing to look at). Blocks APPROVE: "not verified: <reason>".
 * - `not-shown`: offline evidence (a snapshot, pasted output, manifests) does not show what the
 *   item needs. Does not block; the report lists it.
 */
export type SkipKind = 'not-evaluable' | 'opted-out' | 'not-verified' | 'not-shown';

/** Targets where the harness itself reads everything: an item they could not judge is not a pass. */
const LIVE_TARGETS: readonly TargetKind[] = ['cluster', 'kind'];

/** What the test run said about one item. */
export interface ItemResult {
  id: ItemId;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  finding?: Finding;
  /** Error messages of the test itself or of a parent suite/module hook that failed. */
  errors: string[];
  /** ctx.skip(note) */
  skipNote?: string;
}

export interface ReportItem {
  id: ItemId;
  title: string;
  section: string;
  planLine: string;
  severity: CatalogItem['severity'];
  status: ItemStatus;
  /** Why it failed or was skipped; the summary when it passed. */
  reason: string;
  /** Skipped because the target cannot evaluate it at all (as opposed to "not verified"). */
  notEvaluable?: boolean;
  /** Set on skipped items: why, as one of the kinds the verdict rules tell apart. */
  skipKind?: SkipKind;
  expected?: string;
  evidence: string[];
  warnings: string[];
  remediation?: string;
  critical?: boolean;
  /** Failure signature code (harness/triage/signatures.ts), its cause and fix — failures only. */
  code?: string;
  cause?: string;
  fix?: string;
  /** Input lines the finding stands on (pasted evidence), with file and line. */
  quotes?: EvidenceQuote[];
}

/** What the snapshot target read (pasted or captured evidence). */
export interface EvidenceReport {
  mode: 'capture' | 'paste';
  /** "velero backup get table at state.txt:3 (5)" */
  read: string[];
  /** Input that no reader recognised, with the reason. */
  unread: string[];
  /** Items not judged because the evidence does not show what they read. */
  notShown: ItemId[];
}

export interface AuditReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'velero-verify'; version: string };
  runId: string;
  verdict: Verdict;
  /** The plan's own line: `Backup [PASS] | Restore [SKIPPED] | VERDICT: APPROVE`. */
  summaryLine: string;
  target: { kind: TargetKind; description: string };
  cluster?: ClusterInfo;
  drill?: DrillResult;
  startedAt: string;
  finishedAt: string;
  now: string;
  planSource: string;
  plan: RunContext['plan'];
  toolVersions: Record<string, string>;
  counts: { pass: number; fail: number; skip: number };
  /** The required items: how many the target could judge, and what became of them. */
  required: RequiredCounts;
  /** One line for the report's headline, e.g. "11 of 12 required items verified; …". */
  headline: string;
  /** Why the verdict is what it is, in sentences. */
  verdictReasons: string[];
  /** Run-level problems: unhandled errors, interruption, missing results. */
  problems: string[];
  /** Run-level warnings that do not change the verdict but a person should read. */
  warnings: string[];
  notRun?: string;
  ignoredKinds: Record<string, number>;
  evidence?: EvidenceReport;
  items: ReportItem[];
}

export interface RequiredCounts {
  total: number;
  /** Judged and passed. */
  verified: number;
  failed: number;
  notVerified: number;
  optedOut: number;
  notShown: number;
  notEvaluable: number;
}

export interface BuildReportInput {
  run: RunContext;
  results: ItemResult[];
  problems: string[];
  finishedAt: Date;
  toolVersion: string;
}

function statusWord(item: ReportItem | undefined, optedOut: RunContext['optedOut']): string {
  if (!item) return 'SKIPPED';
  if (item.skipKind === 'opted-out') return `NOT RUN: ${optedOut?.[item.id] ?? 'opted out'}`;
  return item.status === 'pass' ? 'PASS' : item.status === 'fail' ? 'FAIL' : 'SKIPPED';
}

/** The kind of a skip that is not "not evaluable on this target". */
function skipKindOf(id: ItemId, run: RunContext): SkipKind {
  if (run.optedOut?.[id]) return 'opted-out';
  return LIVE_TARGETS.includes(run.target) ? 'not-verified' : 'not-shown';
}

/** A skipped item, classified; an opted-out item says so before the judge's own reason. */
function classifySkip(item: ReportItem, run: RunContext): ReportItem {
  if (item.status !== 'skip' || item.skipKind) return item;
  if (item.notEvaluable) return { ...item, skipKind: 'not-evaluable' };
  const skipKind = skipKindOf(item.id, run);
  if (skipKind === 'opted-out') return { ...item, skipKind, reason: `NOT RUN: ${run.optedOut?.[item.id]} — ${item.reason}` };
  return { ...item, skipKind };
}

function countRequired(items: ReportItem[]): RequiredCounts {
  const counts: RequiredCounts = { total: 0, verified: 0, failed: 0, notVerified: 0, optedOut: 0, notShown: 0, notEvaluable: 0 };
  for (const item of items) {
    if (item.severity !== 'required') continue;
    counts.total += 1;
    if (item.status === 'pass') counts.verified += 1;
    else if (item.status === 'fail') counts.failed += 1;
    else if (item.skipKind === 'opted-out') counts.optedOut += 1;
    else if (item.skipKind === 'not-evaluable') counts.notEvaluable += 1;
    else if (item.skipKind === 'not-shown') counts.notShown += 1;
    else counts.notVerified += 1;
  }
  return counts;
}

function headlineOf(counts: RequiredCounts, target: TargetKind): string {
  const judgeable = counts.total - counts.notEvaluable;
  const parts = [`${counts.verified} of ${judgeable} required items the ${target} target can judge were verified`];
  if (counts.failed) parts.push(`${counts.failed} failed`);
  if (counts.notVerified) parts.push(`${counts.notVerified} not verified`);
  if (counts.notShown) parts.push(`${counts.notShown} not shown in this evidence`);
  if (counts.optedOut) parts.push(`${counts.optedOut} not run by choice`);
  if (counts.notEvaluable) parts.push(`${counts.notEvaluable} not evaluable on this target`);
  return parts.join('; ');
}

/** A snapshot that vouches for its own freshness: "now" was inferred from the newest timestamp in it. */
function runWarnings(run: RunContext): string[] {
  if (run.nowSource !== 'inferred') return [];
  return [
    `"now" was inferred from the newest timestamp in the snapshot (${run.now}): freshness and maintenance are judged as of that time, so an old capture of a stopped Velero looks fresh. Capture with node scripts/capture.mjs (it records capturedAt) or pass --now <time of the capture>.`,
  ];
}

function toReportItem(catalogEntry: CatalogItem, result: ItemResult | undefined, target: TargetKind, notRun?: string): ReportItem {
  const base = {
    id: catalogEntry.id as ItemId,
    title: `${catalogEntry.planLine} [${catalogEntry.id}]`,
    section: catalogEntry.section,
    planLine: catalogEntry.planLine,
    severity: catalogEntry.severity,
    evidence: [] as string[],
    warnings: [] as string[],
  };
  const notEvaluable = notEvaluableReason(catalogEntry, target);
  if (notRun) return { ...base, status: 'skip', reason: `NOT RUN: ${notRun}` };
  if (!result) {
    if (notEvaluable) return { ...base, status: 'skip', reason: `Not evaluable on the ${target} target: ${notEvaluable}.`, notEvaluable: true };
    return { ...base, status: 'fail', reason: 'No result: the spec for this item did not run (a spec file failed to load or the run was interrupted).' };
  }
  const finding = result.finding;
  const fromFinding = finding
    ? {
        expected: finding.expected,
        evidence: finding.evidence,
        warnings: finding.warnings ?? [],
        critical: finding.critical,
        ...(finding.quotes?.length ? { quotes: finding.quotes } : {}),
      }
    : {};
  const explained = finding?.status === 'fail' && finding.code ? { code: finding.code, cause: finding.cause, fix: finding.fix } : {};
  if (result.state === 'passed') {
    // A passing test without a passing Finding cannot happen through planItem; never trust it.
    // An advisory item's failure passes its test by design (specs/support/plan-item.ts).
    if (finding?.status === 'fail' && catalogEntry.severity === 'advisory') return { ...base, ...fromFinding, status: 'fail', reason: finding.summary, remediation: finding.remediation };
    if (finding?.status !== 'pass') return { ...base, ...fromFinding, status: 'fail', reason: 'The test passed without a passing finding (harness defect).' };
    return { ...base, ...fromFinding, status: 'pass', reason: finding.summary };
  }
  if (result.state === 'failed' || result.errors.length > 0) {
    const reason = finding?.status === 'fail' ? finding.summary : `The check could not run: ${result.errors[0] ?? 'unknown error'}`;
    return { ...base, ...fromFinding, ...explained, status: 'fail', reason, remediation: finding?.status === 'fail' ? finding.remediation : undefined };
  }
  if (result.state === 'skipped') {
    const reason = finding?.status === 'skip' ? finding.summary : (result.skipNote ?? 'Skipped.');
    return { ...base, ...fromFinding, status: 'skip', reason, notEvaluable: Boolean(notEvaluable) || undefined };
  }
  return { ...base, status: 'fail', reason: 'The check did not finish (interrupted).' };
}

export function buildReport(input: BuildReportInput): AuditReport {
  const { run } = input;
  const byId = new Map<string, ItemResult>();
  const problems = [...input.problems];
  for (const result of input.results) {
    if (byId.has(result.id)) problems.push(`Item ${result.id} was reported by more than one test.`);
    byId.set(result.id, result);
  }
  const items = CATALOG.map((entry) => toReportItem(entry, byId.get(entry.id), run.target, run.notRun)).map((item) =>
    run.notRun ? item : classifySkip(item, run),
  );
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const item of items) counts[item.status] += 1;
  const required = countRequired(items);

  const verdictReasons: string[] = [];
  let verdict: Verdict;
  const requiredFailed = items.filter((item) => item.severity === 'required' && item.status === 'fail');
  if (run.notRun) {
    verdict = 'NOT RUN';
    verdictReasons.push(`The ${run.target} target did not run here: ${run.notRun}`);
  } else {
    for (const item of requiredFailed) verdictReasons.push(`Required item ${item.id} failed: ${item.reason}`);
    // On a live target the harness reads everything itself: what it could not judge is not a pass.
    const requiredNotVerified = items.filter((item) => item.severity === 'required' && item.skipKind === 'not-verified');
    for (const item of requiredNotVerified) verdictReasons.push(`Required item ${item.id} not verified: ${item.reason}`);
    if (run.setupError) verdictReasons.push(`The ${run.target} target could not be set up: ${run.setupError}`);
    if (problems.length > 0) verdictReasons.push(...problems.map((problem) => `Run problem: ${problem}`));
    if (input.results.length === 0) verdictReasons.push('No check produced a result: zero results never approve.');
    // Advisory passes alone (e.g. an empty `velero restore get` table) prove nothing the plan requires.
    if (required.verified === 0 && input.results.length > 0) verdictReasons.push('Nothing was verified: no required item passed.');
    verdict = verdictReasons.length > 0 ? 'REJECT' : 'APPROVE';
    if (verdict === 'APPROVE') {
      verdictReasons.push(
        LIVE_TARGETS.includes(run.target)
          ? `Every required item the ${run.target} target can evaluate passed${required.optedOut ? ', except those switched off by a flag (NOT RUN)' : ''}.`
          : `Every required item the ${run.target} target can evaluate passed or is not shown in this evidence (listed as skipped).`,
      );
    }
    if (run.target === 'manifests') {
      verdictReasons.push('A static gate judges configuration only: it cannot prove that Velero runs, that a backup completed, that data reached the bucket or that a restore works — run `npm run audit` against the cluster after the deploy.');
    }
  }
  const find = (id: ItemId) => items.find((item) => item.id === id);
  const summaryLine = `Backup [${statusWord(find('dod.manual-backup'), run.optedOut)}] | Restore [${statusWord(find('beyond.restore'), run.optedOut)}] | VERDICT: ${verdict}`;
  // The boundary: text from a cluster or a paste reaches every output through this object, so
  // terminal controls (ESC/OSC sequences, C1, bidi overrides) are stripped here, once.
  return stripControlsDeep<AuditReport>({
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'velero-verify', version: input.toolVersion },
    runId: run.runId,
    verdict,
    summaryLine,
    target: { kind: run.target, description: run.targetDescription },
    cluster: run.state?.cluster,
    drill: run.drill,
    startedAt: run.startedAt,
    finishedAt: input.finishedAt.toISOString(),
    now: run.now,
    planSource: run.planSource,
    plan: run.plan,
    toolVersions: run.toolVersions,
    counts,
    required,
    headline: run.notRun ? `NOT RUN: ${run.notRun}` : headlineOf(required, run.target),
    verdictReasons,
    problems,
    warnings: runWarnings(run),
    notRun: run.notRun,
    ignoredKinds: run.state?.ignoredKinds ?? {},
    ...(run.state?.evidence
      ? {
          evidence: {
            mode: run.state.evidence.mode,
            read: run.state.evidence.recognised.map((entry) => `${entry.reader} at ${entry.source}:${entry.line}${entry.count ? ` (${entry.count})` : ''}`),
            unread: run.state.evidence.unread,
            notShown: items.filter((item) => item.status === 'skip' && item.reason.startsWith(NOT_SHOWN_PREFIX)).map((item) => item.id),
          },
        }
      : {}),
    items,
  });
}
