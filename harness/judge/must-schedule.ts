/**
 * must.schedule — plan: "Schedule enabled" (Schedule: Daily at 03:00 AM; chart schedule
 * `velero-daily`, cron `0 3 * * *`, TTL 336h).
 *
 * docs/velero-facts.md §3 (Schedule): phases New | Enabled | FailedValidation; spec.paused stops it; cron is
 * robfig ParseStandard (5 fields, optional CRON_TZ=<zone>) and, without a zone, runs in the
 * server's zone — UTC in the upstream image — which is noted on every result. template.ttl is a
 * metav1.Duration: the chart stores `336h`, Velero may write `336h0m0s`; compare as durations.
 * A missing ttl means the server's --default-backup-ttl, 720h unless set (docs/velero-facts.md §3, §5).
 * The template's scope (namespaces, label selectors, includeClusterResources) must be the plan's
 * `schedule.scope` (schedule-scope.ts): a Schedule of only `velero` backs up no application.
 */
import { formatDuration, parseGoDuration } from '../duration.ts';
import { expects } from '../plan.ts';
import { compareScope, scopeFix, templateScope } from './schedule-scope.ts';
import { fail, pass, type Judge, details } from './types.ts';
import { failIfVeleroAbsent, serverDefaultBackupTtl } from './facts/workloads.ts';
import { inNamespace, relativeTime } from './facts/object-access.ts';
import { normalizeCron, selectPlanBsl, selectPlanSchedule } from './facts/plan-objects.ts';
import { parseVeleroCron } from './facts/velero-cron.ts';

const ID = 'must.schedule' as const;

export const judgeSchedule: Judge = ({ state, plan, now }) => {
  const expected = `Plan: "Schedule enabled" (Schedule: Daily at 03:00 AM) — Schedule ${plan.schedule.name} with cron "${plan.schedule.cron}", TTL ${plan.schedule.ttl}, the plan's scope (namespaces ${plan.schedule.scope.includedNamespaces.join(',')}${plan.schedule.scope.excludedNamespaces.length ? ` minus ${plan.schedule.scope.excludedNamespaces.join(',')}` : ''}), not paused, status.phase Enabled.`;
  const absent = failIfVeleroAbsent(ID, state, plan, expected);
  if (absent) return absent;
  const selected = selectPlanSchedule(state, plan);
  const schedule = selected.object;
  const helmSnippet = `schedules: {daily: {schedule: "${plan.schedule.cron}", template: {ttl: ${plan.schedule.ttl}, storageLocation: ${plan.storage.locationName}, includedNamespaces: ["*"], defaultVolumesToFsBackup: true}}}`;
  if (!schedule) {
    return fail(ID, `No Schedule in namespace ${plan.namespace}`, [`Schedules in ${plan.namespace}: (none)`], `Add to the Helm values ${helmSnippet} and re-deploy; check with velero schedule get.`, { expected });
  }

  const name = schedule.metadata.name;
  const spec = schedule.spec ?? {};
  const rawCron = String(spec.schedule ?? '');
  const phase = String(schedule.status?.phase ?? '');
  const problems: string[] = [];
  const fixes: string[] = [];
  const warnings: string[] = selected.note ? [selected.note] : [];
  const evidence = [
    `Schedule ${name} (${selected.how}): spec.schedule="${rawCron}", spec.paused=${spec.paused === true}, status.phase=${phase || '(empty)'}`,
  ];

  // Phase and pause.
  if (spec.paused === true) {
    problems.push('it is paused (spec.paused: true)');
    fixes.push(`velero -n ${plan.namespace} schedule unpause ${name} (and remove paused: true from the Helm values)`);
  }
  if (phase === 'FailedValidation') {
    const errors = (schedule.status?.validationErrors ?? []) as string[];
    evidence.push(...errors.map((error) => `status.validationErrors: ${error}`));
    problems.push(`it failed validation${errors.length ? `: ${errors.join('; ')}` : ''}`);
    fixes.push('fix what status.validationErrors names (an invalid cron, a missing storage location)');
  } else if (phase !== 'Enabled') {
    problems.push(`status.phase is ${phase || 'empty'}, not Enabled (the server has not accepted it)`);
    fixes.push(`check that the velero server runs: kubectl -n ${plan.namespace} logs deploy/velero | grep -i schedule`);
  }

  // Cron: valid for Velero, equal to the plan's, and its time zone.
  const cron = parseVeleroCron(rawCron);
  if (!cron.ok) {
    problems.push(`spec.schedule "${rawCron}" is not a cron Velero accepts: ${cron.problem}`);
    fixes.push(`set schedules.daily.schedule: "${plan.schedule.cron}"`);
  } else {
    const next = cron.next(now);
    evidence.push(`Next run: ${next.toISOString()} (${relativeTime(now, next.toISOString())}), time zone ${cron.timeZone ?? 'of the Velero server (UTC in the upstream image)'}`);
    if (!cron.timeZone) {
      warnings.push(`"${cron.expression}" runs in the Velero server's time zone — UTC in the upstream image — not in local time; prefix it with CRON_TZ=<IANA zone> (e.g. "CRON_TZ=Europe/Berlin ${cron.expression}") to run at local time (docs/velero-facts.md §3).`);
    }
    if (expects(plan, 'schedule')) {
      const planned = parseVeleroCron(plan.schedule.cron);
      const same = normalizeCron(rawCron) === normalizeCron(plan.schedule.cron);
      const equivalent = planned.ok && planned.canonical === cron.canonical && planned.timeZone === cron.timeZone;
      evidence.push(`Cron: expected "${plan.schedule.cron}", observed "${rawCron}"${same ? '' : equivalent ? ' (equivalent)' : ' (different)'}`);
      if (!same && !equivalent) {
        problems.push(`its cron is "${rawCron}", the plan says "${plan.schedule.cron}"`);
        fixes.push(`set schedules.daily.schedule: "${plan.schedule.cron}" (or change schedule.cron in velero-verify.yaml if the plan changed)`);
      }
    }
  }
  const lastBackup = schedule.status?.lastBackup;
  if (typeof lastBackup === 'string') evidence.push(`status.lastBackup=${lastBackup} (${relativeTime(now, lastBackup)})`);

  // TTL as a duration.
  const rawTtl: string | undefined = spec.template?.ttl;
  const serverTtl = serverDefaultBackupTtl(state, plan);
  const ttlMs = rawTtl !== undefined ? parseGoDuration(rawTtl) : serverTtl.ms;
  evidence.push(`spec.template.ttl=${rawTtl ?? `(unset → ${serverTtl.text}, ${serverTtl.source})`}${ttlMs !== undefined ? ` = ${formatDuration(ttlMs)}` : ''}`);
  if (rawTtl !== undefined && ttlMs === undefined) {
    problems.push(`spec.template.ttl "${rawTtl}" is not a Go duration`);
    fixes.push(`set schedules.daily.template.ttl: ${plan.schedule.ttl}`);
  } else if (expects(plan, 'ttl')) {
    const plannedMs = parseGoDuration(plan.schedule.ttl)!;
    evidence.push(`TTL: expected ${plan.schedule.ttl}, observed ${rawTtl ?? serverTtl.text} — ${ttlMs === plannedMs ? 'equal' : 'different'} as durations`);
    if (ttlMs !== plannedMs) {
      problems.push(`its backups live ${formatDuration(ttlMs!)}${rawTtl === undefined ? ' (ttl unset: server default)' : ''}, the plan says ${plan.schedule.ttl}`);
      fixes.push(`set schedules.daily.template.ttl: ${plan.schedule.ttl}`);
    }
  }

  // What its backups cover: a Completed backup of the wrong scope still leaves the apps out.
  if (expects(plan, 'scope')) {
    const scope = compareScope(templateScope(spec.template), plan.schedule.scope);
    evidence.push(scope.evidence);
    warnings.push(...scope.warnings);
    if (scope.problems.length) {
      problems.push(...scope.problems);
      fixes.push(scopeFix(plan.schedule.scope));
    }
  }

  // Where its backups go.
  const bsl = selectPlanBsl(state, plan).object;
  const location: string | undefined = spec.template?.storageLocation;
  if (location && !inNamespace(state.objects.backupStorageLocations, plan.namespace).some((candidate) => candidate.metadata.name === location)) {
    problems.push(`spec.template.storageLocation "${location}" does not exist`);
    fixes.push(`set schedules.daily.template.storageLocation: ${bsl?.metadata.name ?? plan.storage.locationName}`);
  } else if (location && bsl && location !== bsl.metadata.name) {
    warnings.push(`Its backups go to location "${location}", not to the plan's location "${bsl.metadata.name}".`);
  }

  if (problems.length === 0) {
    return pass(ID, `Schedule ${name} is Enabled: "${rawCron}", TTL ${formatDuration(ttlMs!)}`, evidence, details(expected, warnings));
  }
  return fail(ID, `Schedule ${name} is not as planned: ${problems.join('; ')}`, evidence, `${fixes.join('; ')}. Helm values for the plan: ${helmSnippet}.`, details(expected, warnings));
};
