/**
 * beyond.freshness — plan: "Schedule: Daily at 03:00 AM."
 *
 * The newest backup labelled velero.io/schedule-name=<schedule> (docs/velero-facts.md §3, §4) must be
 * Completed and have completed within one interval of the schedule's cron + plan.freshness.grace
 * of the reference time (a snapshot is judged at its capture time). The interval is the one
 * between the run the backup started at and the next run, computed from the Schedule's own cron
 * in its CRON_TZ zone (docs/velero-facts.md "Schedule cron and freshness"): 24h for the plan's
 * daily cron, a week for a weekly one, an hour for an hourly one, 72h over a weekend for
 * "0 3 * * 1-5". Without a parsable cron the plan's cron stands in, else 24h (with a warning).
 * Decisions:
 * - A backup of the schedule that is still running does not count yet: the newest *finished*
 *   one is judged (and the running one is shown).
 * - No scheduled backup at all: a new schedule does not back up immediately — its first run is
 *   the first cron time after its creationTimestamp (docs/velero-facts.md §3). While that first run plus the
 *   grace has not passed, the schedule is not overdue and the item passes with a warning saying
 *   so; afterwards it fails. Without a parsable cron, creation + 24h stands in for the first run.
 */
import { formatDuration, parseGoDuration } from '../duration.ts';
import type { KubeObject } from '../state.ts';
import { fail, pass, type Judge, details } from './types.ts';
import { backupPhase, backupStatusLine, isTerminalBackup, planScheduleName, scheduledBackups } from './facts/backups.ts';
import { cronIntervalAt, parseVeleroCron, type VeleroCron } from './facts/velero-cron.ts';
import { failIfVeleroAbsent } from './facts/workloads.ts';
import { LABELS } from './facts/velero-names.ts';
import { relativeTime, timeOf } from './facts/object-access.ts';
import { selectPlanSchedule } from './facts/plan-objects.ts';

const ID = 'beyond.freshness' as const;
const DAY = 24 * 3_600_000;

function finishedAt(backup: KubeObject): number | undefined {
  return timeOf(backup.status?.completionTimestamp) ?? timeOf(backup.status?.startTimestamp) ?? timeOf(backup.metadata.creationTimestamp);
}

/** When the schedule's first run is due: the first cron time after it was created. */
function firstRunDue(schedule: KubeObject): number | undefined {
  const created = timeOf(schedule.metadata.creationTimestamp);
  if (created === undefined) return undefined;
  const cron = parseVeleroCron(String(schedule.spec?.schedule ?? ''));
  return cron.ok ? cron.next(new Date(created)).getTime() : created + DAY;
}

/** The cron the interval comes from: the Schedule's own, else the plan's. */
function cronOf(schedule: KubeObject | undefined, planCron: string): { cron?: Extract<VeleroCron, { ok: true }>; source: string } {
  const own = schedule ? parseVeleroCron(String(schedule.spec?.schedule ?? '')) : undefined;
  if (own?.ok) return { cron: own, source: `Schedule ${schedule!.metadata.name} cron "${schedule!.spec.schedule}"` };
  const planned = parseVeleroCron(planCron);
  if (planned.ok) return { cron: planned, source: `the plan's cron "${planCron}"${schedule ? ` (the Schedule's cron is not parsable: ${own && !own.ok ? own.problem : 'missing'})` : ''}` };
  return { source: 'no parsable cron: 24h assumed' };
}

export const judgeFreshness: Judge = ({ state, plan, now }) => {
  const graceMs = parseGoDuration(plan.freshness.grace) ?? 0;
  const expected = `Plan: "Schedule: Daily at 03:00 AM." — the newest scheduled backup is Completed and finished less than one interval of the schedule's cron + ${plan.freshness.grace} grace ago.`;
  const absent = failIfVeleroAbsent(ID, state, plan, expected);
  if (absent) return absent;

  const schedule = selectPlanSchedule(state, plan).object;
  const cron = cronOf(schedule, plan.schedule.cron);
  const scheduleName = planScheduleName(state, plan);
  if (!scheduleName) {
    return fail(ID, `No Schedule in namespace ${plan.namespace}: nothing backs up daily`, [`Schedules in ${plan.namespace}: (none)`], 'Create the daily schedule (Helm values schedules.daily, see must.schedule) and audit again after its first run.', { expected });
  }
  const backups = scheduledBackups(state, plan, scheduleName);
  const running = backups.filter((backup) => !isTerminalBackup(backup) && backupPhase(backup) !== 'Deleting');
  const judged = backups.find(isTerminalBackup);
  const evidence = [
    `Schedule ${scheduleName}: ${backups.length} backup(s) labelled ${LABELS.scheduleName}=${scheduleName}${schedule?.status?.lastBackup ? `, status.lastBackup=${schedule.status.lastBackup}` : ''}`,
    ...backups.slice(0, 3).map((backup) => `${backupStatusLine(backup)}, completed ${backup.status?.completionTimestamp ?? '(not yet)'}`),
  ];
  const warnings = running.map((backup) => `Backup ${backup.metadata.name} of the schedule is still running (status.phase=${backupPhase(backup) || '(empty)'}); the newest finished backup is judged.`);
  const remediation = `Check the schedule and the server: velero -n ${plan.namespace} schedule describe ${scheduleName} (not paused, phase Enabled), velero -n ${plan.namespace} backup get -l ${LABELS.scheduleName}=${scheduleName}, kubectl -n ${plan.namespace} logs deploy/velero | grep -i schedule. To get a fresh backup now: velero backup create --from-schedule ${scheduleName} --wait.`;

  if (!judged) {
    const due = schedule ? firstRunDue(schedule) : undefined;
    if (due !== undefined && now.getTime() < due + graceMs) {
      warnings.push(`Schedule ${scheduleName} was created ${relativeTime(now, schedule!.metadata.creationTimestamp)} and has not run yet: its first run is due ${new Date(due).toISOString()} (a new schedule does not back up immediately, docs/velero-facts.md §3). Freshness is proven only after that run.`);
      return pass(ID, `Schedule ${scheduleName} is not overdue: its first run is due ${relativeTime(now, new Date(due).toISOString())}`, evidence, details(expected, warnings));
    }
    return fail(
      ID,
      `No finished backup of schedule ${scheduleName}${due !== undefined ? ` although its first run was due ${relativeTime(now, new Date(due).toISOString())}` : ''}`,
      evidence,
      remediation,
      details(expected, warnings),
    );
  }

  const finished = finishedAt(judged);
  const ageMs = finished !== undefined ? now.getTime() - finished : Number.POSITIVE_INFINITY;
  const phase = backupPhase(judged);
  const ageText = finished !== undefined ? `${formatDuration(ageMs)} ago` : 'at an unknown time';
  const started = timeOf(judged.status?.startTimestamp) ?? timeOf(judged.metadata.creationTimestamp) ?? finished;
  const interval = cron.cron && started !== undefined ? cronIntervalAt(cron.cron, new Date(started)) : { intervalMs: DAY };
  if (!cron.cron) warnings.push('The schedule has no parsable cron: a 24h interval was assumed.');
  const maxAgeMs = interval.intervalMs + graceMs;
  evidence.push(
    `Interval from ${cron.source}${cron.cron?.timeZone ? ` (CRON_TZ=${cron.cron.timeZone})` : ''}: ${formatDuration(interval.intervalMs)}${interval.runAt ? ` (run at ${interval.runAt.toISOString()}, next at ${new Date(interval.runAt.getTime() + interval.intervalMs).toISOString()})` : ''}`,
    `Judged ${judged.metadata.name}: status.phase=${phase}, finished ${ageText} (limit ${formatDuration(maxAgeMs)} = interval ${formatDuration(interval.intervalMs)} + grace ${plan.freshness.grace})`,
  );
  if (phase !== 'Completed') {
    return fail(
      ID,
      `The newest scheduled backup ${judged.metadata.name} is ${phase}, not Completed`,
      evidence,
      `Read why: velero -n ${plan.namespace} backup describe ${judged.metadata.name} --details and velero -n ${plan.namespace} backup logs ${judged.metadata.name}. ${remediation}`,
      details(expected, warnings),
    );
  }
  if (ageMs > maxAgeMs) {
    return fail(ID, `The newest scheduled backup ${judged.metadata.name} finished ${ageText}, older than ${formatDuration(maxAgeMs)}`, evidence, remediation, details(expected, warnings));
  }
  return pass(ID, `The newest scheduled backup ${judged.metadata.name} is Completed, finished ${ageText}`, evidence, details(expected, warnings));
};
