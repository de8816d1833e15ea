/**
 * Pure helpers shared by the live judges: finding Velero's workloads and objects in a State,
 * selecting the backups a judge looks at, and deciding which pod volumes a backup must cover.
 * No I/O and no clock: times are compared against the `now` a judge receives.
 */
import { CronExpressionParser } from 'cron-parser';
import { formatDuration, parseGoDuration } from '../duration.ts';
import { expects, type BackupPlan } from '../plan.ts';
import type { ItemId } from '../catalog.ts';
import type { KubeObject, SecretSummary, State } from '../state.ts';
import { fail, type Finding } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Names, labels and annotations (docs/velero-facts.md §4, §5, §8)
// ---------------------------------------------------------------------------------------------

/** The chart's fixed workload names (docs/velero-facts.md §5). */
export const VELERO_DEPLOYMENT = 'velero';
export const VELERO_CONTAINER = 'velero';
export const NODE_AGENT_DAEMONSET = 'node-agent';
/** Velero's Kopia repository password Secret (docs/velero-facts.md §8). */
export const REPO_CREDENTIALS_SECRET = 'velero-repo-credentials';

export const LABELS = {
  scheduleName: 'velero.io/schedule-name',
  backupName: 'velero.io/backup-name',
  podVolumeBackup: 'velero.io/pod-volume-backup',
  podVolumeRestore: 'velero.io/pod-volume-restore',
  dataUpload: 'velero.io/data-upload',
  dataDownload: 'velero.io/data-download',
  repoName: 'velero.io/repo-name',
  excludeFromBackup: 'velero.io/exclude-from-backup',
} as const;

export const ANNOTATIONS = {
  /** Opt-in list of volume names when defaultVolumesToFsBackup is false. */
  backupVolumes: 'backup.velero.io/backup-volumes',
  /** Opt-out list when defaultVolumesToFsBackup is true. */
  backupVolumesExcludes: 'backup.velero.io/backup-volumes-excludes',
} as const;

// ---------------------------------------------------------------------------------------------
// Generic object access
// ---------------------------------------------------------------------------------------------

/** Objects without a namespace (some rendered inputs omit it) are taken to be in `namespace`. */
export function inNamespace<T extends KubeObject>(objects: T[], namespace: string): T[] {
  return objects.filter((object) => (object.metadata.namespace ?? namespace) === namespace);
}

export function findNamed<T extends KubeObject>(objects: T[], namespace: string, name: string): T | undefined {
  return inNamespace(objects, namespace).find((object) => object.metadata.name === name);
}

export function findSecret(state: State, namespace: string, name: string): SecretSummary | undefined {
  return state.objects.secrets.find((secret) => secret.name === name && (secret.namespace ?? namespace) === namespace);
}

export function labelOf(object: KubeObject, key: string): string | undefined {
  return object.metadata.labels?.[key];
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isFinite(time) ? time : undefined;
}

/** Collapse line breaks and runs of spaces: summaries and evidence are one line each. */
export function oneLine(text: unknown): string {
  return String(text ?? '').replace(/\s+/g, ' ').trim();
}

/** "3h ago", "in 5m" — for evidence lines. */
export function relativeTime(now: Date, value: unknown): string {
  const time = timeOf(value);
  if (time === undefined) return 'unknown time';
  const delta = now.getTime() - time;
  return delta >= 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
}

/** Newest first by metadata.creationTimestamp, then by name (scheduled names end in a timestamp). */
export function newestFirst<T extends KubeObject>(objects: T[]): T[] {
  return [...objects].sort((a, b) => {
    const delta = (timeOf(b.metadata.creationTimestamp) ?? 0) - (timeOf(a.metadata.creationTimestamp) ?? 0);
    return delta !== 0 ? delta : b.metadata.name.localeCompare(a.metadata.name);
  });
}

/**
 * A read the collector could not make for `resource` (a plural such as `restores`): items needing
 * it are not verified. The live collector names Velero's resources with their group
 * (`restores.velero.io`), core ones without; both forms match.
 */
export function readGapFor(state: State, resource: string): string | undefined {
  const gap = state.readGaps.find((candidate) => candidate.resource === resource || candidate.resource.split('.')[0] === resource);
  return gap ? `${gap.verb} ${gap.resource}${gap.namespace ? ` in ${gap.namespace}` : ''}: ${gap.reason}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Workloads: the velero Deployment and the node-agent DaemonSet
// ---------------------------------------------------------------------------------------------

export function veleroDeployment(state: State, plan: BackupPlan): KubeObject | undefined {
  return findNamed(state.objects.deployments, plan.namespace, VELERO_DEPLOYMENT);
}

export function nodeAgentDaemonSet(state: State, plan: BackupPlan): KubeObject | undefined {
  // Before Velero 1.10 the node agent was the `restic` DaemonSet; without the plan's Kopia expectation it counts.
  return findNamed(state.objects.daemonSets, plan.namespace, NODE_AGENT_DAEMONSET) ?? (expects(plan, 'uploader') ? undefined : findNamed(state.objects.daemonSets, plan.namespace, 'restic'));
}

/** No velero Deployment and no Velero objects at all: Velero was never installed here. */
export function veleroAbsent(state: State, plan: BackupPlan): boolean {
  const objects = state.objects;
  const veleroObjects =
    objects.backupStorageLocations.length + objects.backups.length + objects.schedules.length + objects.backupRepositories.length + objects.podVolumeBackups.length;
  return !veleroDeployment(state, plan) && veleroObjects === 0 && state.veleroInstalled !== true;
}

export const VELERO_NOT_INSTALLED_REMEDIATION =
  'Install Velero into the namespace the plan names (helm upgrade --install velero vmware-tanzu/velero -n velero --create-namespace -f values.yaml, chart 12.1.0), or set "namespace" in velero-verify.yaml to the namespace Velero runs in.';

/** The common failure of every live item when Velero is absent; undefined when it is installed. */
export function failIfVeleroAbsent(id: ItemId, state: State, plan: BackupPlan, expected: string): Finding | undefined {
  if (!veleroAbsent(state, plan)) return undefined;
  return fail(id, 'Velero is not installed', [`No ${VELERO_DEPLOYMENT} Deployment and no Velero objects in namespace ${plan.namespace}`], VELERO_NOT_INSTALLED_REMEDIATION, { expected });
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector || (!selector.matchLabels && !selector.matchExpressions)) return false; // an empty selector matches nothing useful here
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const has = expression.key in labels;
    const value = labels[expression.key];
    const values = expression.values ?? [];
    if (expression.operator === 'In' && !(has && values.includes(value))) return false;
    if (expression.operator === 'NotIn' && has && values.includes(value)) return false;
    if (expression.operator === 'Exists' && !has) return false;
    if (expression.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const TRANSIENT_OWNER_KINDS = new Set(['Job', 'PodVolumeBackup', 'PodVolumeRestore', 'DataUpload', 'DataDownload']);

/**
 * Why a pod in the Velero namespace is transient, or undefined for a long-running pod.
 * docs/velero-facts.md §8: data-mover pods (label velero.io/pod-volume-backup …) live for one volume backup;
 * repository maintenance runs as Jobs whose completed pods stay around.
 */
export function transientPodReason(pod: KubeObject): string | undefined {
  const labels = pod.metadata.labels ?? {};
  if (labels[LABELS.podVolumeBackup] || labels[LABELS.podVolumeRestore] || labels[LABELS.dataUpload] || labels[LABELS.dataDownload]) {
    return 'data-mover pod';
  }
  if (labels[LABELS.repoName]) return 'repository maintenance job pod';
  const owner = pod.metadata.ownerReferences?.find((reference) => TRANSIENT_OWNER_KINDS.has(reference.kind));
  if (owner) return owner.kind === 'Job' ? 'job pod' : 'data-mover pod';
  return undefined;
}

/**
 * Whether `pod` belongs to `workload`: a DaemonSet owns its pods directly, a Deployment through
 * a ReplicaSet named `<deployment>-<hash>`. Pods without owner references (rendered or trimmed
 * input) fall back to the selector alone. The chart's velero and node-agent pods share
 * app.kubernetes.io/* labels, so the selector alone could mix them up.
 */
function ownedBy(pod: KubeObject, workload: KubeObject): boolean {
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length === 0) return true;
  const name = workload.metadata.name;
  return owners.some((owner) =>
    workload.kind === 'Deployment' ? owner.kind === 'ReplicaSet' && owner.name.startsWith(`${name}-`) : owner.kind === workload.kind && owner.name === name,
  );
}

/** The long-running pods of a Deployment or DaemonSet (selector and owner match, transient pods left out). */
export function workloadPods(state: State, workload: KubeObject): KubeObject[] {
  const namespace = workload.metadata.namespace ?? state.namespace;
  return inNamespace(state.objects.pods, namespace)
    .filter((pod) => selectorMatches(workload.spec?.selector, pod.metadata.labels) && ownedBy(pod, workload))
    .filter((pod) => !transientPodReason(pod));
}

export function podCondition(pod: KubeObject, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return (pod.status?.conditions as Array<{ type: string; status?: string }> | undefined)?.find((condition) => condition.type === type);
}

export function isPodRunningAndReady(pod: KubeObject): boolean {
  return pod.status?.phase === 'Running' && podCondition(pod, 'Ready')?.status === 'True';
}

/** "Pod velero-6b7c9-x2k4q (node homelab-cp): phase=Running, ready=1/1, restarts=0". */
export function podStatusLine(pod: KubeObject): string {
  const statuses = (pod.status?.containerStatuses ?? []) as Array<{ ready?: boolean; restartCount?: number; state?: Record<string, { reason?: string }> }>;
  const ready = statuses.filter((status) => status.ready).length;
  const restarts = statuses.reduce((sum, status) => sum + (status.restartCount ?? 0), 0);
  const waiting = statuses.map((status) => status.state?.waiting?.reason ?? status.state?.terminated?.reason).filter(Boolean);
  const node = pod.spec?.nodeName ? ` (node ${pod.spec.nodeName})` : '';
  const reasons = waiting.length ? `, waiting: ${waiting.join(', ')}` : '';
  return `Pod ${pod.metadata.name}${node}: phase=${pod.status?.phase ?? '(none)'}, ready=${ready}/${statuses.length || (pod.spec?.containers?.length ?? 0)}, restarts=${restarts}${reasons}`;
}

export function veleroServerContainer(deployment: KubeObject | undefined): any | undefined {
  const containers = (deployment?.spec?.template?.spec?.containers ?? []) as Array<{ name: string }>;
  return containers.find((container) => container.name === VELERO_CONTAINER) ?? containers[0];
}

/**
 * The value of a `velero server` flag on the Deployment: the string after `=` (or the next
 * argument), 'true' for a bare boolean flag, undefined when absent.
 */
export function serverFlag(deployment: KubeObject | undefined, flag: string): string | undefined {
  const container = veleroServerContainer(deployment);
  if (!container) return undefined;
  const args: string[] = [...(container.command ?? []), ...(container.args ?? [])].map(String);
  const name = flag.startsWith('--') ? flag : `--${flag}`;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    if (arg === name) {
      const next = args[index + 1];
      return next !== undefined && !next.startsWith('-') ? next : 'true';
    }
  }
  return undefined;
}

/** Go's strconv.ParseBool truthy spellings (Velero and the AWS plugin parse flags and config with it). */
export function goBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** `--default-volumes-to-fs-backup` on the server (the chart renders it when the value is truthy, docs/velero-facts.md §5). */
export function serverDefaultVolumesToFsBackup(state: State, plan: BackupPlan): boolean {
  return goBool(serverFlag(veleroDeployment(state, plan), 'default-volumes-to-fs-backup')) ?? false;
}

/** `--default-backup-ttl` on the server, else the code default 720h (docs/velero-facts.md §3). */
export function serverDefaultBackupTtl(state: State, plan: BackupPlan): { text: string; ms: number; source: string } {
  const flag = serverFlag(veleroDeployment(state, plan), 'default-backup-ttl');
  const ms = flag !== undefined ? parseGoDuration(flag) : undefined;
  if (flag !== undefined && ms !== undefined) return { text: flag, ms, source: `server flag --default-backup-ttl=${flag}` };
  return { text: '720h', ms: 720 * 3_600_000, source: 'Velero\'s default TTL 720h (docs/velero-facts.md §3)' };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes taints and tolerations
// ---------------------------------------------------------------------------------------------

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((toleration) => {
    if (toleration.effect && toleration.effect !== taint.effect) return false;
    if (!toleration.key) return toleration.operator === 'Exists';
    if (toleration.key !== taint.key) return false;
    return toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
  });
}

/** Taints that keep pods with `tolerations` off `node` (NoSchedule / NoExecute). */
export function blockingTaints(node: KubeObject | undefined, tolerations: Toleration[]): Taint[] {
  const taints = (node?.spec?.taints ?? []) as Taint[];
  return taints.filter((taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerates(tolerations, taint));
}

export function taintText(taint: Taint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}

// ---------------------------------------------------------------------------------------------
// BackupStorageLocation and Schedule of the plan
// ---------------------------------------------------------------------------------------------

export interface Selected {
  object?: KubeObject;
  /** How the object was chosen, for evidence ("by name", "the default location"). */
  how: string;
  /** Set when the choice deviates from the plan: shown as a warning. */
  note?: string;
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
  if (!storagePlanned && defaults.length > 0) return { object: defaults[0], how: 'marked spec.default: true (storage expectations off)' };
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

export function normalizeCron(cron: string): string {
  return cron.trim().split(/\s+/).join(' ');
}

/**
 * The plan's Schedule: `schedule.name` (`velero-daily`) when the schedule expectation is on;
 * otherwise — or when no Schedule has that name — the schedule with the plan's cron, else the
 * first Enabled one, else the first by name.
 */
export function selectPlanSchedule(state: State, plan: BackupPlan): Selected {
  const schedules = [...inNamespace(state.objects.schedules, plan.namespace)].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const planned = expects(plan, 'schedule');
  if (planned) {
    const byName = schedules.find((schedule) => schedule.metadata.name === plan.schedule.name);
    if (byName) return { object: byName, how: `plan schedule.name "${plan.schedule.name}"` };
  }
  const fallback =
    schedules.find((schedule) => normalizeCron(String(schedule.spec?.schedule ?? '')) === normalizeCron(plan.schedule.cron)) ??
    schedules.find((schedule) => schedule.status?.phase === 'Enabled') ??
    schedules[0];
  if (!fallback) return { how: 'none' };
  const note = planned ? `No Schedule is named "${plan.schedule.name}" (plan schedule.name); judged "${fallback.metadata.name}" instead.` : undefined;
  return { object: fallback, how: planned ? 'fallback' : 'the schedule expectation is off: any schedule', note };
}

// ---------------------------------------------------------------------------------------------
// Schedule cron as Velero reads it (docs/velero-facts.md §3 Schedule: robfig cron.ParseStandard)
// ---------------------------------------------------------------------------------------------

export type VeleroCron =
  | {
      ok: true;
      /** IANA zone from a CRON_TZ= (or TZ=) prefix; undefined = the server's zone (UTC in the image). */
      timeZone?: string;
      /** The expression without the zone prefix, whitespace normalised. */
      expression: string;
      /** A canonical form for semantic comparison ("0 3 * * 1-5" for "0 3 * * MON-FRI"). */
      canonical: string;
      /** The first run strictly after `from`. */
      next(from: Date): Date;
      /** The last run at or before `from`; undefined for `@every`, which has no fixed times. */
      previous(from: Date): Date | undefined;
      /** The fixed interval of `@every`; cron expressions have a varying one (see cronIntervalAt). */
      everyMs?: number;
    }
  | { ok: false; problem: string };

const CRON_DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * Parse a Schedule's cron the way Velero does: five fields or a descriptor (@daily, @every 1h),
 * optionally prefixed with CRON_TZ=<zone>. cron-parser validates and computes the runs; the
 * field count is checked here because cron-parser also accepts 6-field (seconds) expressions,
 * which Velero rejects.
 */
export function parseVeleroCron(raw: string): VeleroCron {
  let text = normalizeCron(raw);
  let timeZone: string | undefined;
  const zone = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(text);
  if (zone) {
    timeZone = zone[1];
    text = zone[2];
  }
  const every = /^@every\s+(\S+)$/.exec(text);
  if (every) {
    const interval = parseGoDuration(every[1]);
    if (interval === undefined || interval <= 0) return { ok: false, problem: `"@every ${every[1]}" is not a positive Go duration` };
    return { ok: true, timeZone, expression: text, canonical: `@every ${interval}ms`, next: (from) => new Date(from.getTime() + interval), previous: () => undefined, everyMs: interval };
  }
  const fields = CRON_DESCRIPTORS[text] ?? text;
  if (fields.startsWith('@')) return { ok: false, problem: `unknown descriptor "${text}"` };
  const count = fields.split(' ').length;
  if (count !== 5) return { ok: false, problem: `expected 5 fields (minute hour day-of-month month day-of-week), found ${count}` };
  const tz = timeZone ?? 'UTC';
  try {
    const canonical = CronExpressionParser.parse(fields, { tz, currentDate: new Date(0) }).stringify();
    return {
      ok: true,
      timeZone,
      expression: text,
      canonical,
      next: (from) => CronExpressionParser.parse(fields, { tz, currentDate: from }).next().toDate(),
      previous: (from) => CronExpressionParser.parse(fields, { tz, currentDate: new Date(from.getTime() + 1) }).prev().toDate(),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: timeZone && /CronDate|time ?zone|timestamp/i.test(message) ? `unknown time zone "${timeZone}"` : message };
  }
}

/**
 * The interval between the run a backup started at and the schedule's next run: "0 3 * * *" gives
 * 24h, "0 3 * * 1-5" gives 72h for a Friday backup, "@every 6h" gives 6h. Times are computed in
 * the cron's CRON_TZ zone (UTC without one), so a DST change shows as 23h or 25h.
 */
export function cronIntervalAt(cron: Extract<VeleroCron, { ok: true }>, startedAt: Date): { runAt?: Date; intervalMs: number } {
  if (cron.everyMs !== undefined) return { intervalMs: cron.everyMs };
  const runAt = cron.previous(startedAt) ?? startedAt;
  return { runAt, intervalMs: cron.next(runAt).getTime() - runAt.getTime() };
}

// ---------------------------------------------------------------------------------------------
// Backups
// ---------------------------------------------------------------------------------------------

/** Terminal backup phases (docs/velero-facts.md §3); everything else is still running or being deleted. */
export const TERMINAL_BACKUP_PHASES = ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'] as const;

export function backupPhase(backup: KubeObject): string {
  return typeof backup.status?.phase === 'string' ? backup.status.phase : '';
}

export function isTerminalBackup(backup: KubeObject): boolean {
  return (TERMINAL_BACKUP_PHASES as readonly string[]).includes(backupPhase(backup));
}

export function scheduleNameOf(backup: KubeObject): string | undefined {
  return labelOf(backup, LABELS.scheduleName);
}

export function veleroBackups(state: State, plan: BackupPlan): KubeObject[] {
  return inNamespace(state.objects.backups, plan.namespace);
}

export type ManualBackupSelection =
  | { kind: 'found'; backup: KubeObject; how: string }
  | { kind: 'missing'; name: string }
  | { kind: 'none'; scheduledCount: number };

/**
 * The manual backup to judge: `--backup NAME` when given, else the newest backup that no
 * Schedule created (no label velero.io/schedule-name, docs/velero-facts.md §3 Schedule).
 */
export function selectManualBackup(state: State, plan: BackupPlan, backupName?: string): ManualBackupSelection {
  const backups = veleroBackups(state, plan);
  if (backupName) {
    const named = backups.find((backup) => backup.metadata.name === backupName);
    return named ? { kind: 'found', backup: named, how: `named by --backup ${backupName}` } : { kind: 'missing', name: backupName };
  }
  const manual = newestFirst(backups.filter((backup) => !scheduleNameOf(backup)));
  if (manual.length === 0) return { kind: 'none', scheduledCount: backups.length };
  return { kind: 'found', backup: manual[0], how: `the newest backup without label ${LABELS.scheduleName} (${manual.length} manual backup${manual.length === 1 ? '' : 's'})` };
}

/** Backups created by the Schedule `scheduleName`, newest first. */
export function scheduledBackups(state: State, plan: BackupPlan, scheduleName: string): KubeObject[] {
  return newestFirst(veleroBackups(state, plan).filter((backup) => scheduleNameOf(backup) === scheduleName));
}

/** The name of the schedule whose backups count: the selected schedule, else none. */
export function planScheduleName(state: State, plan: BackupPlan): string | undefined {
  return selectPlanSchedule(state, plan).object?.metadata.name ?? (expects(plan, 'schedule') ? plan.schedule.name : undefined);
}

/** The newest Completed backup of the plan's schedule (of any schedule when none is selected). */
export function newestCompletedScheduledBackup(state: State, plan: BackupPlan): KubeObject | undefined {
  const name = planScheduleName(state, plan);
  const candidates = name ? scheduledBackups(state, plan, name) : newestFirst(veleroBackups(state, plan).filter((backup) => scheduleNameOf(backup)));
  return candidates.find((backup) => backupPhase(backup) === 'Completed');
}

export interface BackupToCover {
  role: 'manual' | 'scheduled';
  backup: KubeObject;
}

/**
 * The backups whose volumes must be covered: the manual backup (same choice as
 * dod.manual-backup) and the newest Completed backup of the plan's schedule.
 */
export function backupsToCover(state: State, plan: BackupPlan, backupName?: string): BackupToCover[] {
  const result: BackupToCover[] = [];
  const manual = selectManualBackup(state, plan, backupName);
  if (manual.kind === 'found') result.push({ role: 'manual', backup: manual.backup });
  const scheduled = newestCompletedScheduledBackup(state, plan);
  if (scheduled && !result.some((entry) => entry.backup === scheduled)) result.push({ role: 'scheduled', backup: scheduled });
  return result;
}

/** Counts are omitted from JSON when 0 (omitempty, docs/velero-facts.md §3): missing means 0. */
export function backupCounts(backup: KubeObject): { errors: number; warnings: number; itemsBackedUp?: number; totalItems?: number } {
  const status = backup.status ?? {};
  return {
    errors: Number(status.errors ?? 0),
    warnings: Number(status.warnings ?? 0),
    itemsBackedUp: status.progress?.itemsBackedUp,
    totalItems: status.progress?.totalItems,
  };
}

/** "Backup verification-test: status.phase=Completed, errors=0, warnings=1, progress=812/812 items". */
export function backupStatusLine(backup: KubeObject): string {
  const counts = backupCounts(backup);
  const progress = counts.totalItems !== undefined || counts.itemsBackedUp !== undefined ? `, progress=${counts.itemsBackedUp ?? 0}/${counts.totalItems ?? 0} items` : '';
  return `Backup ${backup.metadata.name}: status.phase=${backupPhase(backup) || '(empty)'}, errors=${counts.errors}, warnings=${counts.warnings}${progress}`;
}

/** Times and settings of a backup, one line. */
export function backupTimesLine(backup: KubeObject, now: Date): string {
  const status = backup.status ?? {};
  const parts = [`created ${backup.metadata.creationTimestamp ?? '(unknown)'}`];
  if (status.startTimestamp) parts.push(`started ${status.startTimestamp}`);
  if (status.completionTimestamp) parts.push(`completed ${status.completionTimestamp} (${relativeTime(now, status.completionTimestamp)})`);
  if (backup.spec?.ttl) parts.push(`spec.ttl=${backup.spec.ttl}`);
  if (status.expiration) parts.push(`expires ${status.expiration}`);
  if (backup.spec?.storageLocation) parts.push(`storageLocation=${backup.spec.storageLocation}`);
  return `Backup ${backup.metadata.name}: ${parts.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// Pod volumes a backup must cover (docs/velero-facts.md §4)
// ---------------------------------------------------------------------------------------------

export interface BackupScope {
  /** What this scope belongs to, for evidence: "backup verification-test". */
  label: string;
  includedNamespaces: string[];
  excludedNamespaces: string[];
  defaultVolumesToFsBackup: boolean;
  /** Only pods created at or before this time existed when the backup ran. */
  podsCreatedBefore?: number;
  /** spec.labelSelector / spec.orLabelSelectors: only objects they match are backed up. */
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
}

/** The scope of a Backup (or a Schedule's template): namespaces and the FSB default. */
export function backupScope(label: string, spec: any, serverDefault: boolean, startedAt?: number): BackupScope {
  return {
    label,
    includedNamespaces: (spec?.includedNamespaces ?? []) as string[],
    excludedNamespaces: (spec?.excludedNamespaces ?? []) as string[],
    // The server fills spec.defaultVolumesToFsBackup from its flag when a backup starts (docs/velero-facts.md §3).
    defaultVolumesToFsBackup: typeof spec?.defaultVolumesToFsBackup === 'boolean' ? spec.defaultVolumesToFsBackup : serverDefault,
    podsCreatedBefore: startedAt,
    ...(spec?.labelSelector ? { labelSelector: spec.labelSelector as LabelSelector } : {}),
    ...(Array.isArray(spec?.orLabelSelectors) && spec.orLabelSelectors.length ? { orLabelSelectors: spec.orLabelSelectors as LabelSelector[] } : {}),
  };
}

/**
 * Whether the scope's label selectors let an object with `labels` in (Velero's backup item
 * filter: spec.labelSelector, or any of spec.orLabelSelectors; none set = everything). An empty
 * selector `{}` matches everything, as in Kubernetes.
 */
export function scopeSelectsLabels(scope: Pick<BackupScope, 'labelSelector' | 'orLabelSelectors'>, labels: Record<string, string> = {}): boolean {
  const matches = (selector: LabelSelector) => (!selector.matchLabels && !selector.matchExpressions) || selectorMatches(selector, labels);
  if (scope.labelSelector && !matches(scope.labelSelector)) return false;
  if (scope.orLabelSelectors?.length && !scope.orLabelSelectors.some(matches)) return false;
  return true;
}

/**
 * Velero's own long-running pods — the velero Deployment's and the node-agent DaemonSet's. Their
 * volumes are emptyDir scratch space (plugins, scratch) and hostPath mounts of the node: they hold
 * no user data, so volume coverage does not judge them (docs/velero-facts.md "What volume
 * coverage judges").
 */
export function isVeleroOwnPod(state: State, plan: BackupPlan, pod: KubeObject): boolean {
  if ((pod.metadata.namespace ?? plan.namespace) !== plan.namespace) return false;
  return [veleroDeployment(state, plan), nodeAgentDaemonSet(state, plan)].some((workload) => workload && workloadPods(state, workload).some((candidate) => candidate.metadata.name === pod.metadata.name));
}

export function scopeOfBackup(state: State, plan: BackupPlan, backup: KubeObject): BackupScope {
  const started = timeOf(backup.status?.startTimestamp) ?? timeOf(backup.metadata.creationTimestamp);
  return backupScope(`backup ${backup.metadata.name}`, backup.spec, serverDefaultVolumesToFsBackup(state, plan), started);
}

/**
 * The scopes the next backups will use — the plan Schedule's template and the manual backup's
 * spec — with no creation-time limit (for "which pods will need a node-agent"). Without either,
 * the server defaults: every namespace, the server's --default-volumes-to-fs-backup.
 */
export function upcomingBackupScopes(state: State, plan: BackupPlan, backupName?: string): BackupScope[] {
  const serverDefault = serverDefaultVolumesToFsBackup(state, plan);
  const scopes: BackupScope[] = [];
  const schedule = selectPlanSchedule(state, plan).object;
  if (schedule) scopes.push(backupScope(`schedule ${schedule.metadata.name}`, schedule.spec?.template, serverDefault));
  const manual = selectManualBackup(state, plan, backupName);
  if (manual.kind === 'found') scopes.push(backupScope(`backup ${manual.backup.metadata.name}`, manual.backup.spec, serverDefault));
  if (scopes.length === 0) scopes.push(backupScope('server defaults', {}, serverDefault));
  return scopes;
}

/** `*` or an empty include list means every namespace (docs/velero-facts.md §3). */
export function namespaceInScope(namespace: string, scope: BackupScope): boolean {
  const included = scope.includedNamespaces.length === 0 || scope.includedNamespaces.some((pattern) => globMatches(pattern, namespace));
  return included && !scope.excludedNamespaces.some((pattern) => globMatches(pattern, namespace));
}

function globMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (!/[*?]/.test(pattern)) return pattern === value;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return regex.test(value);
}

/**
 * Pods whose volumes the backup handled: in a namespace in scope, existing when the backup
 * started, Running (Velero skips the volumes of pods that are not running), not excluded by
 * label, not one of Velero's transient pods.
 */
export function podsInScope(state: State, scope: BackupScope): KubeObject[] {
  return state.objects.pods.filter((pod) => {
    const namespace = pod.metadata.namespace ?? '';
    if (!namespaceInScope(namespace, scope)) return false;
    if (pod.metadata.labels?.[LABELS.excludeFromBackup] === 'true') return false; // docs/velero-facts.md §4: exactly "true"
    if (transientPodReason(pod)) return false;
    if (pod.status?.phase !== 'Running') return false;
    if (!scopeSelectsLabels(scope, pod.metadata.labels)) return false;
    const created = timeOf(pod.metadata.creationTimestamp);
    return scope.podsCreatedBefore === undefined || created === undefined || created <= scope.podsCreatedBefore;
  });
}

export type VolumeDecision =
  /** Velero creates a PodVolumeBackup for it. */
  | { kind: 'back-up' }
  /** Selected for FSB but silently skipped: hostPath PV or an opted-in hostPath volume (docs/velero-facts.md §4). */
  | { kind: 'silently-skipped'; reason: string }
  /** Not selected (secret, configMap, excluded by annotation, not opted in, …). */
  | { kind: 'not-selected'; reason: string };

export interface PodVolume {
  namespace: string;
  podName: string;
  node?: string;
  volume: string;
  pvcName?: string;
  pvName?: string;
  decision: VolumeDecision;
}

/** PVCs by `namespace/name` and PVs by name, built once per State: lookups per volume stay O(1). */
const storageIndexes = new WeakMap<State, { pvcs: Map<string, KubeObject>; pvs: Map<string, KubeObject> }>();

function storageIndex(state: State): { pvcs: Map<string, KubeObject>; pvs: Map<string, KubeObject> } {
  let index = storageIndexes.get(state);
  if (!index) {
    index = {
      pvcs: new Map(state.objects.persistentVolumeClaims.map((pvc) => [`${pvc.metadata.namespace ?? ''}/${pvc.metadata.name}`, pvc])),
      pvs: new Map(state.objects.persistentVolumes.map((pv) => [pv.metadata.name, pv])),
    };
    storageIndexes.set(state, index);
  }
  return index;
}

function splitAnnotation(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

const NEVER_FSB_SOURCES = ['hostPath', 'secret', 'configMap', 'projected', 'downwardAPI'] as const;

/**
 * Which volumes of `pod` the backup's FSB covers (docs/velero-facts.md §4, `GetVolumesByPod` and the pod
 * volume backupper): with defaultVolumesToFsBackup every volume except hostPath, secret,
 * configMap, projected, downwardAPI, `default-token*` and the excludes annotation; without it
 * only the opt-in annotation. Selected volumes are still skipped when they are (on) hostPath,
 * block devices, or not mounted by any container.
 */
export function podVolumeDecisions(state: State, pod: KubeObject, scope: BackupScope): PodVolume[] {
  const namespace = pod.metadata.namespace ?? '';
  const annotations = pod.metadata.annotations ?? {};
  const volumes = (pod.spec?.volumes ?? []) as Array<Record<string, any> & { name: string }>;
  const containers = (pod.spec?.containers ?? []) as Array<{ volumeMounts?: Array<{ name: string }>; volumeDevices?: Array<{ name: string }> }>;
  const mounted = new Set(containers.flatMap((container) => (container.volumeMounts ?? []).map((mount) => mount.name)));
  const devices = new Set(containers.flatMap((container) => (container.volumeDevices ?? []).map((device) => device.name)));
  const optIn = splitAnnotation(annotations[ANNOTATIONS.backupVolumes]);
  const optOut = splitAnnotation(annotations[ANNOTATIONS.backupVolumesExcludes]);

  return volumes.map((volume) => {
    const base: PodVolume = { namespace, podName: pod.metadata.name, node: pod.spec?.nodeName, volume: volume.name, decision: { kind: 'back-up' } };
    const claimName: string | undefined = volume.persistentVolumeClaim?.claimName;
    if (claimName) {
      base.pvcName = claimName;
      const pvc = storageIndex(state).pvcs.get(`${namespace}/${claimName}`);
      base.pvName = pvc?.spec?.volumeName;
    }
    base.decision = decideVolume(state, volume, base, scope.defaultVolumesToFsBackup, optIn, optOut, mounted, devices);
    return base;
  });
}

function decideVolume(
  state: State,
  volume: Record<string, any> & { name: string },
  ref: PodVolume,
  fsBackupByDefault: boolean,
  optIn: string[],
  optOut: string[],
  mounted: Set<string>,
  devices: Set<string>,
): VolumeDecision {
  if (fsBackupByDefault) {
    const source = NEVER_FSB_SOURCES.find((key) => volume[key] !== undefined && volume[key] !== null);
    if (source) return { kind: 'not-selected', reason: `${source} volume (never file-system backed up)` };
    if (optOut.includes(volume.name)) return { kind: 'not-selected', reason: `excluded by annotation ${ANNOTATIONS.backupVolumesExcludes}` };
    if (volume.name.startsWith('default-token')) return { kind: 'not-selected', reason: 'service-account token volume' };
  } else if (!optIn.includes(volume.name)) {
    return { kind: 'not-selected', reason: `not opted in (defaultVolumesToFsBackup is false and annotation ${ANNOTATIONS.backupVolumes} does not list it)` };
  }
  // Selected: the backupper now skips some of them without failing the backup.
  if (volume.hostPath) return { kind: 'silently-skipped', reason: `opted-in hostPath volume ${volume.hostPath.path ?? ''} (FSB cannot read hostPath volumes)`.trim() };
  if (ref.pvName) {
    const pv = storageIndex(state).pvs.get(ref.pvName);
    if (pv?.spec?.hostPath) {
      return { kind: 'silently-skipped', reason: `PVC ${ref.pvcName} is bound to hostPath PV ${ref.pvName} (${pv.spec.hostPath.path ?? 'path unknown'})` };
    }
  }
  if (devices.has(volume.name)) return { kind: 'not-selected', reason: 'block-mode volume (not supported by FSB)' };
  if (!mounted.has(volume.name)) return { kind: 'not-selected', reason: 'not mounted by any container' };
  return { kind: 'back-up' };
}

/** Every pod volume of the scope with its decision. */
export function scopeVolumes(state: State, scope: BackupScope): PodVolume[] {
  return podsInScope(state, scope).flatMap((pod) => podVolumeDecisions(state, pod, scope));
}

// ---------------------------------------------------------------------------------------------
// PodVolumeBackups
// ---------------------------------------------------------------------------------------------

/**
 * PVBs of a backup: label velero.io/backup-name (truncated/hashed beyond 63 characters,
 * docs/velero-facts.md §4), so spec.tags.backup and the owner reference are accepted as well.
 */
export function podVolumeBackupsOf(state: State, plan: BackupPlan, backup: KubeObject): KubeObject[] {
  const name = backup.metadata.name;
  return inNamespace(state.objects.podVolumeBackups, plan.namespace).filter(
    (pvb) =>
      labelOf(pvb, LABELS.backupName) === name ||
      pvb.spec?.tags?.backup === name ||
      pvb.metadata.ownerReferences?.some((owner) => owner.kind === 'Backup' && owner.name === name),
  );
}

export function pvbTarget(pvb: KubeObject): string {
  return `${pvb.spec?.pod?.namespace ?? '?'}/${pvb.spec?.pod?.name ?? '?'} volume ${pvb.spec?.volume ?? '?'}`;
}

export function volumeText(volume: PodVolume): string {
  const claim = volume.pvcName ? ` (PVC ${volume.pvcName}${volume.pvName ? `, PV ${volume.pvName}` : ''})` : '';
  return `${volume.namespace}/${volume.podName} volume ${volume.volume}${claim}`;
}

export function pvbPhase(pvb: KubeObject): string {
  return typeof pvb.status?.phase === 'string' ? pvb.status.phase : '';
}

// ---------------------------------------------------------------------------------------------
// Finding details
// ---------------------------------------------------------------------------------------------

/** `expected` and, when there are any, `warnings` for pass()/fail(). */
export function details(expected: string, warnings: string[] = []): { expected: string; warnings?: string[] } {
  return warnings.length ? { expected, warnings: [...warnings] } : { expected };
}
