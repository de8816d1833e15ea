/**
 * The BackupStorageLocation and Schedule of the plan, picked out of a State.
 * Pure: no I/O and no clock (times are compared against the `now` a judge receives).
 */
import { type BackupPlan, expects } from '../../plan.ts';
import type { ItemId } from '../../catalog.ts';
import type { KubeObject, State } from '../../state.ts';
import { fail, type Finding } from '../types.ts';
import { inNamespace } from './object-access.ts';
import { compareCron } from './velero-cron.ts';
import { serverFlag, veleroDeployment } from './workloads.ts';

export interface Selected {
  object?: KubeObject;
  /** How the object was chosen, for evidence ("by name", "the default location"). */
  how: string;
  /** Set when the choice deviates from the plan: shown as a warning. */
  note?: string;
}

/**
 * The location a backup without `spec.storageLocation` goes to: the BSL marked `spec.default:
 * true`, else the one named by the server flag --default-backup-storage-location (default
 * "default"; docs/velero-facts.md "The default backup storage location"). `how` says which rule.
 */
export function defaultLocation(state: State, plan: BackupPlan): { object?: KubeObject; how: string; serverDefault: string } {
  const locations = inNamespace(state.objects.backupStorageLocations, plan.namespace);
  const serverDefault = serverFlag(veleroDeployment(state, plan), 'default-backup-storage-location') ?? 'default';
  const marked = locations.find((bsl) => bsl.spec?.default === true);
  if (marked) return { object: marked, how: 'marked spec.default: true', serverDefault };
  const named = locations.find((bsl) => bsl.metadata.name === serverDefault);
  if (named) return { object: named, how: `not marked default, but named "${serverDefault}" like the server's --default-backup-storage-location`, serverDefault };
  return { how: 'none', serverDefault };
}

/**
 * The plan's BSL: `storage.locationName` (default `default`); when no BSL has that name, the one
 * marked `spec.default: true` — Velero's own fallback for backups without a location (docs/velero-facts.md §3).
 */
export function selectPlanBsl(state: State, plan: BackupPlan): Selected {
  const locations = inNamespace(state.objects.backupStorageLocations, plan.namespace);
  const defaults = locations.filter((bsl) => bsl.spec?.default === true);
  // With the storage expectations off (someone else's cluster) the location that matters is the
  // one backups use by default, whatever its name.
  const storagePlanned = expects(plan, 'bucket') || expects(plan, 's3Url');
  if (!storagePlanned) {
    const fallback = defaultLocation(state, plan);
    if (fallback.object) return { object: fallback.object, how: `${fallback.how} (storage expectations off)` };
  }
  const byName = locations.find((bsl) => bsl.metadata.name === plan.storage.locationName);
  if (byName) return { object: byName, how: `plan storage.locationName "${plan.storage.locationName}"` };
  if (defaults.length > 0) {
    return {
      object: defaults[0],
      how: 'marked spec.default: true',
      note: `No BackupStorageLocation is named "${plan.storage.locationName}" (plan storage.locationName); judged the default location "${defaults[0].metadata.name}" instead.`,
    };
  }
  return { how: 'none', note: locations.length ? `BackupStorageLocations present: ${locations.map((bsl) => bsl.metadata.name).join(', ')}` : undefined };
}

/** The failure of an item that needs the plan's BSL when selectPlanBsl found none. */
export function failNoPlanBsl(id: ItemId, plan: BackupPlan, selected: Selected, remediation: string, expected: string): Finding {
  return fail(
    id,
    `No BackupStorageLocation "${plan.storage.locationName}" (and none marked default) in namespace ${plan.namespace}`,
    [selected.note ?? `No BackupStorageLocation objects in namespace ${plan.namespace}`],
    remediation,
    { expected },
  );
}

/**
 * The plan's Schedule: `schedule.name` (`velero-daily`) when the schedule expectation is on;
 * otherwise — or when no Schedule has that name — the schedule with the plan's cron (or an
 * equivalent spelling of it, velero-cron.ts), else the first Enabled one, else the first by name.
 */
export function selectPlanSchedule(state: State, plan: BackupPlan): Selected {
  const schedules = [...inNamespace(state.objects.schedules, plan.namespace)].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const planned = expects(plan, 'schedule');
  if (planned) {
    const byName = schedules.find((schedule) => schedule.metadata.name === plan.schedule.name);
    if (byName) return { object: byName, how: `plan schedule.name "${plan.schedule.name}"` };
  }
  const fallback =
    schedules.find((schedule) => compareCron(String(schedule.spec?.schedule ?? ''), plan.schedule.cron) !== 'different') ??
    schedules.find((schedule) => schedule.status?.phase === 'Enabled') ??
    schedules[0];
  if (!fallback) return { how: 'none' };
  const note = planned ? `No Schedule is named "${plan.schedule.name}" (plan schedule.name); judged "${fallback.metadata.name}" instead.` : undefined;
  return { object: fallback, how: planned ? 'fallback' : 'the schedule expectation is off: any schedule', note };
}

/**
 * Where a Schedule template's (or a Backup's) `storageLocation` sends its backups, against the
 * plan's BSL (selectPlanBsl): `unset` — Velero uses the default location; `plan`; `other` — an
 * existing location that is not the plan's, or one the input does not show (no
 * BackupStorageLocation in it at all); `missing` — the input shows the locations and this one is
 * not among them, so Velero fails the Schedule's validation (docs/velero-facts.md §3).
 */
export interface LocationMatch {
  match: 'unset' | 'plan' | 'other' | 'missing';
  /** The plan's location: the selected BSL's name, else `storage.locationName`. */
  planLocation: string;
  /** The input shows BackupStorageLocations, so whether `location` exists is known. */
  locationsShown: boolean;
}

export function matchPlanLocation(state: State, plan: BackupPlan, location: string | undefined): LocationMatch {
  const locations = inNamespace(state.objects.backupStorageLocations, plan.namespace);
  const planLocation = selectPlanBsl(state, plan).object?.metadata.name ?? plan.storage.locationName;
  const locationsShown = locations.length > 0;
  if (location === undefined || location === '') return { match: 'unset', planLocation, locationsShown };
  if (location === planLocation) return { match: 'plan', planLocation, locationsShown };
  if (locationsShown && !locations.some((bsl) => bsl.metadata.name === location)) return { match: 'missing', planLocation, locationsShown };
  return { match: 'other', planLocation, locationsShown };
}
