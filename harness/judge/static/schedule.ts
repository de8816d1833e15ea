/**
 * must.schedule, manifests — plan: "Schedule enabled" (daily at 03:00, TTL 336h).
 *
 * The rendered Schedule (`<release>-<key>`, `velero-daily`; docs/velero-facts.md §5) has the plan's cron and
 * TTL — compared as durations, `336h` == `336h0m0s` (docs/velero-facts.md §3) — is not paused, and writes to
 * the plan's location, and backs up the plan's scope (schedule-scope.ts, the same rule as on a
 * cluster). A Schedule without `template.ttl` gets the server's default TTL
 * (`--default-backup-ttl`, else 720h). The cron runs in the server's zone (UTC in the upstream
 * image) unless prefixed `CRON_TZ=` (docs/velero-facts.md §3): always noted, never failed.
 */
import { CronExpressionParser } from 'cron-parser';
import { formatDuration, parseGoDuration } from '../../duration.ts';
import { expects } from '../../plan.ts';
import type { KubeObject } from '../../state.ts';
import { fail, pass, skip, type Finding, type JudgeContext } from '../types.ts';
import { inNamespace } from '../facts/object-access.ts';
import { normalizeCron, selectPlanSchedule } from '../facts/plan-objects.ts';
import { serverDefaultBackupTtl, veleroDeployment } from '../facts/workloads.ts';
import { compareScope, scopeFix, templateScope } from '../schedule-scope.ts';
import { crdProblemsOf, describeObject, provenance } from '../facts/manifests-input.ts';
import { newChecks, remedy, type Checks } from '../checks.ts';

const ID = 'must.schedule' as const;

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/**
 * Why Velero's cron parser (robfig `ParseStandard`: 5 fields, descriptors, `@every <duration>`,
 * optional `CRON_TZ=<zone>` prefix; docs/velero-facts.md §3) would reject `expression`, or undefined.
 */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim().replace(/^(CRON_TZ|TZ)=\S+\s+/, '');
  if (text === '') return 'the cron expression is empty';
  if (text.startsWith('@')) {
    if (DESCRIPTORS.includes(text)) return undefined;
    const every = /^@every\s+(\S+)$/.exec(text);
    if (every && (parseGoDuration(every[1]) ?? 0) > 0) return undefined;
    return `"${text}" is not a cron descriptor Velero knows (${DESCRIPTORS.join(', ')}, @every <duration>)`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `"${text}" has ${fields.length} fields; Velero expects 5 (minute hour day-of-month month day-of-week)`;
  try {
    CronExpressionParser.parse(text);
    return undefined;
  } catch (error) {
    return `"${text}" is not a valid cron expression (${error instanceof Error ? error.message : String(error)})`;
  }
}

function timeZoneNote(cron: string): string {
  const zone = /^(?:CRON_TZ|TZ)=(\S+)/.exec(cron.trim());
  if (zone) return `The cron carries CRON_TZ=${zone[1]}: it runs in that zone.`;
  return `The cron "${cron}" runs in the Velero server's time zone — UTC in the upstream image — unless prefixed CRON_TZ=<zone> (docs/velero-facts.md §3).`;
}

function checkSchedule(checks: Checks, context: JudgeContext, schedule: KubeObject): void {
  const { plan, state } = context;
  const where = describeObject(schedule);
  const spec = (schedule.spec ?? {}) as { schedule?: string; paused?: boolean; template?: { ttl?: string; storageLocation?: string } };
  const cron = typeof spec.schedule === 'string' ? spec.schedule : '';
  const key = 'schedules.daily';

  checks.evidence.push(`${where}: spec.schedule = ${JSON.stringify(spec.schedule ?? null)}`);
  const problem = cronProblem(cron);
  if (problem) {
    checks.problems.push(problem);
    remedy(checks, `Set \`${key}.schedule\` to a 5-field cron such as "${plan.schedule.cron}".`);
  } else if (expects(plan, 'schedule') && normalizeCron(cron) !== normalizeCron(plan.schedule.cron)) {
    checks.problems.push(`the cron is "${cron}", the plan says "${plan.schedule.cron}"`);
    remedy(checks, `Set \`${key}.schedule: "${plan.schedule.cron}"\`.`);
  }
  if (cron) checks.warnings.push(timeZoneNote(cron));

  checks.evidence.push(`${where}: spec.paused = ${spec.paused === undefined ? '(unset → false)' : String(spec.paused)}`);
  if (spec.paused === true) {
    checks.problems.push(`${schedule.metadata.name} is paused`);
    remedy(checks, `Remove \`${key}.paused: true\`: a paused schedule creates no backups.`);
  }

  const ttlText = spec.template?.ttl;
  let ttlMs: number | undefined;
  let ttlSource: string;
  if (typeof ttlText === 'string') {
    ttlMs = parseGoDuration(ttlText);
    ttlSource = `spec.template.ttl = "${ttlText}"`;
    if (ttlMs === undefined) {
      checks.problems.push(`spec.template.ttl "${ttlText}" is not a duration`);
      remedy(checks, `Set \`${key}.template.ttl\` to a Go duration such as "${plan.schedule.ttl}".`);
    }
  } else {
    const fallback = serverDefaultBackupTtl(state, plan);
    ttlMs = fallback.ms;
    ttlSource = `spec.template.ttl unset → ${fallback.source}`;
  }
  checks.evidence.push(`${where}: ${ttlSource}${ttlMs !== undefined ? ` (${formatDuration(ttlMs)})` : ''}`);
  const planTtl = parseGoDuration(plan.schedule.ttl)!;
  if (expects(plan, 'ttl') && ttlMs !== undefined && ttlMs !== planTtl) {
    checks.problems.push(`the TTL is ${formatDuration(ttlMs)}, the plan says ${formatDuration(planTtl)}`);
    remedy(checks, `Set \`${key}.template.ttl: ${plan.schedule.ttl}\` (the plan: "MinIO ILM is 14 days; Velero TTL should match").`);
  }

  const location = spec.template?.storageLocation;
  if (location !== undefined && location !== plan.storage.locationName) {
    checks.problems.push(`the schedule writes to location "${location}", the plan's location is "${plan.storage.locationName}"`);
    remedy(checks, `Set \`${key}.template.storageLocation: ${plan.storage.locationName}\` (or remove it to use the default location).`);
  }
  // What its backups will cover: a schedule of the wrong scope leaves the applications out.
  if (expects(plan, 'scope')) {
    const scope = compareScope(templateScope(spec.template), plan.schedule.scope);
    checks.evidence.push(`${where}: ${scope.evidence}`);
    checks.warnings.push(...scope.warnings);
    if (scope.problems.length) {
      checks.problems.push(...scope.problems);
      remedy(checks, `${scopeFix(plan.schedule.scope).replace(/^s/, 'S')}.`);
    }
  }
  const crd = crdProblemsOf(state, schedule);
  if (crd.length) {
    checks.problems.push(`the Velero CRD rejects ${where}: ${crd.join('; ')}`);
    remedy(checks, 'Fix the Schedule so it validates against the Velero v1.18 CRD.');
  }
}

function judge(context: JudgeContext): Finding {
  const { state, plan } = context;
  const checks = newChecks();
  const expected = `Plan: "Schedule enabled" — Schedule ${expects(plan, 'schedule') ? `${plan.schedule.name} with cron "${plan.schedule.cron}"` : '(any)'}${expects(plan, 'ttl') ? `, TTL ${plan.schedule.ttl}` : ''}, not paused.`;
  const selected = selectPlanSchedule(state, plan);
  if (!selected.object) {
    const present = inNamespace(state.objects.schedules, plan.namespace).map((s) => s.metadata.name);
    const evidence = [`Schedules: ${present.join(', ') || 'none'}`, ...(veleroDeployment(state, plan) ? [] : ['Deployment velero: absent'])];
    // Without the plan's schedule, chart values that define none do not show that the install has
    // none: GitOps repositories often keep Schedule objects in files of their own.
    if (!expects(plan, 'schedule') && state.manifests?.values && state.manifests.mode !== 'rendered') {
      return skip(ID, `Not shown: the chart values of ${state.manifests.values?.source ?? 'the input'} define no schedule (schedules:), and no Schedule object is in the input — pass the files that hold the Schedules with --manifests.`, evidence);
    }
    return fail(
      ID,
      `No Schedule is rendered in namespace ${plan.namespace}${provenance(state)}.`,
      evidence,
      expects(plan, 'schedule')
        ? `Add \`schedules.daily\` to the Velero Helm values (schedule "${plan.schedule.cron}", template.ttl ${plan.schedule.ttl}, not disabled); the chart names it velero-daily.`
        : 'Add a schedule to the Velero Helm values (`schedules.<name>.schedule` and `template.ttl`) or a Schedule object.',
      { expected },
    );
  }
  if (selected.note) checks.warnings.push(selected.note);
  checkSchedule(checks, context, selected.object);
  const from = provenance(state);
  const extra = { expected, warnings: checks.warnings.length ? checks.warnings : undefined };
  if (checks.problems.length) {
    return fail(ID, `Schedule ${selected.object.metadata.name} does not match the plan${from}: ${checks.problems.join('; ')}.`, checks.evidence, checks.remediation.join(' '), extra);
  }
  const ttlText = expects(plan, 'ttl') ? "with the plan's TTL" : `with ttl ${String(selected.object.spec?.template?.ttl ?? 'unset (server default)')}`;
  return pass(ID, `Schedule ${selected.object.metadata.name} runs "${selected.object.spec?.schedule}" ${ttlText} and is not paused${from}.`, checks.evidence, extra);
}

export const judgeScheduleManifests = judge;
