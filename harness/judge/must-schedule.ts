/**
 * must.schedule — plan: "Schedule enabled" (Schedule: Daily at 03:00 AM; chart schedule
 * `velero-daily` = `<release>-<key>`, cron `0 3 * * *`, TTL 336h). One judge for every target:
 * a rendered Schedule is a Schedule without status.
 *
 * docs/velero-facts.md §3 (Schedule): phases New | Enabled | FailedValidation; spec.paused stops it; cron is
 * robfig ParseStandard (5 fields, descriptors, optional CRON_TZ=<zone>) and, without a zone, runs in the
 * server's zone — UTC in the upstream image — which is noted on every result. The plan's cron is
 * compared by meaning (velero-cron.ts: `0 3 * * MON-FRI` = `0 3 * * 1-5`). template.ttl is a
 * metav1.Duration: the chart stores `336h`, Velero may write `336h0m0s`; compare as durations.
 * A missing ttl means the server's --default-backup-ttl, 720h unless set (docs/velero-facts.md §3, §5).
 * The template's scope (namespaces, label selectors, includeClusterResources) must be the plan's
 * `schedule.scope` (schedule-scope.ts): a Schedule of only `velero` backs up no application.
 * Its storageLocation must be the plan's location (docs/velero-facts.md "A Schedule's storage location").
 */
import { formatDuration, parseGoDuration } from '../duration.ts';
import { expects } from '../plan.ts';
import { neverStored, type KubeObject } from '../state.ts';
import { compareScope, scopeFix, templateScope } from './schedule-scope.ts';
import { fail, pass, skip, type Judge, details } from './types.ts';
import { failIfVeleroAbsent, serverDefaultBackupTtl } from './facts/workloads.ts';
import { relativeTime } from './facts/object-access.ts';
import { matchPlanLocation, selectPlanSchedule } from './facts/plan-objects.ts';
import { compareCron, parseVeleroCron } from './facts/velero-cron.ts';
import { crdProblemsOf, describeObject, provenance } from './facts/manifests-input.ts';

const ID = 'must.schedule' as const;

/**
 * Whether the Velero server accepted the Schedule. A stored Schedule without a phase has not been
 * accepted (the server is down or never saw it); one that was never stored (rendered) carries no
 * status at all, so its acceptance is not shown — said as a warning, never failed or passed
 * (docs/velero-facts.md, "Desired state and observed state").
 */
function judgePhase(schedule: KubeObject, namespace: string, problems: string[], fixes: string[], warnings: string[], evidence: string[]): boolean {
  const phase = String(schedule.status?.phase ?? '');
  if (phase === 'FailedValidation') {
    const errors = (schedule.status?.validationErrors ?? []) as string[];
    evidence.push(...errors.map((error) => `status.validationErrors: ${error}`));
    problems.push(`it failed validation${errors.length ? `: ${errors.join('; ')}` : ''}`);
    fixes.push('fix what status.validationErrors names (an invalid cron, a missing storage location)');
  } else if (phase === '' && schedule.status === undefined && neverStored(schedule)) {
    warnings.push(`Not shown: whether the Velero server accepts ${schedule.metadata.name} (status.phase Enabled) — the input holds the Schedule without status (rendered manifests); \`velero schedule get\` shows it.`);
  } else if (phase !== 'Enabled') {
    problems.push(`status.phase is ${phase || 'empty'}, not Enabled (the server has not accepted it)`);
    fixes.push(`check that the velero server runs: kubectl -n ${namespace} logs deploy/velero | grep -i schedule`);
  }
  return phase === 'Enabled';
}

export const judgeSchedule: Judge = ({ state, plan, now }) => {
  const planScope = `the plan's scope (namespaces ${plan.schedule.scope.includedNamespaces.join(',')}${plan.schedule.scope.excludedNamespaces.length ? ` minus ${plan.schedule.scope.excludedNamespaces.join(',')}` : ''})`;
  const expected = `Plan: "Schedule enabled" (Schedule: Daily at 03:00 AM) — Schedule ${expects(plan, 'schedule') ? `${plan.schedule.name} with cron "${plan.schedule.cron}"` : '(any)'}${expects(plan, 'ttl') ? `, TTL ${plan.schedule.ttl}` : ''}${expects(plan, 'scope') ? `, ${planScope}` : ''}, not paused, status.phase Enabled.`;
  const from = provenance(state);
  const selected = selectPlanSchedule(state, plan);
  const schedule = selected.object;
  const helmSnippet = `schedules: {daily: {schedule: "${plan.schedule.cron}", template: {ttl: ${plan.schedule.ttl}, storageLocation: ${plan.storage.locationName}, includedNamespaces: ["*"], defaultVolumesToFsBackup: true}}}`;
  if (!schedule) {
    // Without the plan's schedule, chart values that define none do not show that the install has
    // none: GitOps repositories often keep Schedule objects in files of their own.
    if (!expects(plan, 'schedule') && state.manifests?.values && state.manifests.mode !== 'rendered') {
      return skip(ID, `Not shown: the chart values of ${state.manifests.values.source} define no schedule (schedules:), and no Schedule object is in the input — pass the files that hold the Schedules with --manifests.`, [`Schedules in ${plan.namespace}: (none)`]);
    }
    const absent = failIfVeleroAbsent(ID, state, plan, expected);
    if (absent) return absent;
    return fail(
      ID,
      `No Schedule in namespace ${plan.namespace}${from}`,
      [`Schedules in ${plan.namespace}: (none)`],
      expects(plan, 'schedule')
        ? `Add to the Helm values ${helmSnippet} (the chart names it velero-daily) and re-deploy; check with velero schedule get.`
        : 'Add a schedule to the Velero Helm values (`schedules.<name>.schedule` and `template.ttl`) or a Schedule object; check with velero schedule get.',
      { expected },
    );
  }

  const name = schedule.metadata.name;
  const spec = schedule.spec ?? {};
  const rawCron = String(spec.schedule ?? '');
  const problems: string[] = [];
  const fixes: string[] = [];
  const warnings: string[] = selected.note ? [selected.note] : [];
  const evidence = [
    `Schedule ${name} (${selected.how}): spec.schedule="${rawCron}", spec.paused=${spec.paused === true}, status.phase=${String(schedule.status?.phase ?? '') || (schedule.status === undefined ? '(no status)' : '(empty)')}`,
  ];

  // Phase and pause.
  if (spec.paused === true) {
    problems.push('it is paused (spec.paused: true)');
    fixes.push(`velero -n ${plan.namespace} schedule unpause ${name} (and remove paused: true from the Helm values)`);
  }
  const enabled = judgePhase(schedule, plan.namespace, problems, fixes, warnings, evidence);

  // Cron: valid for Velero, equal to the plan's by meaning, and its time zone.
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
      const comparison = compareCron(rawCron, plan.schedule.cron);
      evidence.push(`Cron: expected "${plan.schedule.cron}", observed "${rawCron}"${comparison === 'same' ? '' : ` (${comparison})`}`);
      if (comparison === 'different') {
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
      // formatDuration rounds to a tenth of an hour: a TTL off by minutes is shown as written.
      const lived = ttlMs! % 360_000 === 0 || rawTtl === undefined ? formatDuration(ttlMs!) : `"${rawTtl}"`;
      problems.push(`its backups live ${lived}${rawTtl === undefined ? ' (ttl unset: server default)' : ''}, the plan says ${plan.schedule.ttl}`);
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

  // Where its backups go. Another existing location fails when the plan names its storage (the
  // scheduled backups would not land in the planned bucket, while every one of them completes);
  // with the storage expectations off any existing location is the owner's choice: a warning.
  const location: string | undefined = typeof spec.template?.storageLocation === 'string' ? spec.template.storageLocation : undefined;
  const where = matchPlanLocation(state, plan, location);
  if (where.match === 'missing') {
    problems.push(`spec.template.storageLocation "${location}" does not exist (its backups fail validation)`);
    fixes.push(`set schedules.daily.template.storageLocation: ${where.planLocation}`);
  } else if (where.match === 'other') {
    const text = `its backups go to location "${location}", not to the plan's location "${where.planLocation}"${where.locationsShown ? '' : ' (no BackupStorageLocation is in the input)'}`;
    if (expects(plan, 'bucket') || expects(plan, 's3Url')) {
      problems.push(text);
      fixes.push(`set schedules.daily.template.storageLocation: ${where.planLocation} (or remove it to use the default location)`);
    } else warnings.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
  }

  // What only a manifests input shows: the real CRD rejects the object.
  const crd = crdProblemsOf(state, schedule);
  if (crd.length) {
    problems.push(`the Velero CRD rejects ${describeObject(schedule)}: ${crd.join('; ')}`);
    fixes.push('fix the Schedule so it validates against the Velero v1.18 CRD');
  }

  if (problems.length === 0) {
    const ttlText = `TTL ${formatDuration(ttlMs!)}`;
    return pass(ID, `Schedule ${name} ${enabled ? 'is Enabled' : 'is as planned (whether the server accepted it is not shown)'}: "${rawCron}", ${ttlText}${from}`, evidence, details(expected, warnings));
  }
  return fail(ID, `Schedule ${name} is not as planned${from}: ${problems.join('; ')}`, evidence, `${fixes.join('; ')}. Helm values for the plan: ${helmSnippet}.`, details(expected, warnings));
};

