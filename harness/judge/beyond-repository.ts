/**
 * beyond.repository (advisory) — the Kopia repositories behind "Velero + Kopia (FSB) for PVCs".
 *
 * docs/velero-facts.md §3 (BackupRepository) and §8:
 * - one BackupRepository per (volume namespace, BSL, type) named <ns>-<bsl>-kopia; phase
 *   New | Ready | NotReady — anything but Ready fails with status.message;
 * - maintenance runs as Jobs every spec.maintenanceFrequency (default 1h); a failed latest
 *   recentMaintenance entry fails; lastMaintenanceTime older than 2 × frequency fails, with a
 *   24h floor so that a missed hourly run or two is tolerated (advisory item, be lenient); an
 *   unparsable frequency falls back to Velero's 7 days;
 * - every namespace that has PodVolumeBackups needs a repository.
 * The repository password and MinIO root credentials are the required guardrails
 * guard.repository-password and guard.minio-root-credentials.
 */
import { formatDuration, parseGoDuration } from '../duration.ts';
import type { KubeObject } from '../state.ts';
import { fail, pass, skip, type Judge, details } from './types.ts';
import { pvbPhase } from './facts/pod-volume-backups.ts';
import { failIfVeleroAbsent } from './facts/workloads.ts';
import { inNamespace, readGapFor, relativeTime, timeOf } from './facts/object-access.ts';

const ID = 'beyond.repository' as const;
const HOUR = 3_600_000;
const DEFAULT_FREQUENCY_MS = HOUR; // docs/velero-facts.md §8: Kopia's defaultMaintainCheckPeriod
const FALLBACK_FREQUENCY_MS = 7 * 24 * HOUR; // docs/velero-facts.md §8: the controller's fallback
const MAINTENANCE_FLOOR_MS = 24 * HOUR;
const EXPECTED =
  'Kopia BackupRepositories are Ready and maintained (lastMaintenanceTime within 2 × maintenanceFrequency, at least 24h; latest maintenance not Failed), and every namespace with PodVolumeBackups has one.';

export function maintenanceWindowMs(repository: KubeObject): { frequencyMs: number; windowMs: number; source: string } {
  const raw = repository.spec?.maintenanceFrequency;
  const parsed = typeof raw === 'string' ? parseGoDuration(raw) : undefined;
  const frequencyMs = parsed && parsed > 0 ? parsed : raw === undefined ? DEFAULT_FREQUENCY_MS : FALLBACK_FREQUENCY_MS;
  const source = parsed && parsed > 0 ? `spec.maintenanceFrequency=${raw}` : raw === undefined ? 'default 1h' : `unparsable "${raw}" → 7d fallback`;
  return { frequencyMs, windowMs: Math.max(2 * frequencyMs, MAINTENANCE_FLOOR_MS), source };
}

function checkRepository(repository: KubeObject, now: Date, problems: string[], evidence: string[]): void {
  const name = repository.metadata.name;
  const status = repository.status ?? {};
  const phase = String(status.phase ?? '');
  const window = maintenanceWindowMs(repository);
  const last = status.lastMaintenanceTime;
  evidence.push(
    `BackupRepository ${name}: volumeNamespace=${repository.spec?.volumeNamespace}, status.phase=${phase || '(empty)'}, lastMaintenanceTime=${last ?? '(never)'}${last ? ` (${relativeTime(now, last)})` : ''}, maintenance ${window.source}`,
  );
  if (phase !== 'Ready') problems.push(`BackupRepository ${name} is ${phase || 'not initialised (empty phase)'}${status.message ? `: ${status.message}` : ''}`);

  const recent = [...((status.recentMaintenance ?? []) as Array<{ result?: string; startTimestamp?: string; completeTimestamp?: string; message?: string }>)].sort(
    (a, b) => (timeOf(b.startTimestamp) ?? 0) - (timeOf(a.startTimestamp) ?? 0),
  );
  if (recent[0]) evidence.push(`BackupRepository ${name}: latest maintenance ${recent[0].result ?? '(no result)'} at ${recent[0].startTimestamp ?? '?'}${recent[0].message ? ` — ${recent[0].message}` : ''}`);
  if (recent[0]?.result === 'Failed') problems.push(`the latest maintenance of ${name} Failed${recent[0].message ? `: ${recent[0].message}` : ''}`);

  const lastMs = timeOf(last);
  const createdMs = timeOf(repository.metadata.creationTimestamp);
  if (lastMs !== undefined) {
    if (now.getTime() - lastMs > window.windowMs) problems.push(`${name} was last maintained ${formatDuration(now.getTime() - lastMs)} ago (limit ${formatDuration(window.windowMs)})`);
  } else if (createdMs === undefined || now.getTime() - createdMs > window.windowMs) {
    problems.push(`${name} has never been maintained${createdMs !== undefined ? ` in the ${formatDuration(now.getTime() - createdMs)} since it was created` : ''}`);
  }
}

export const judgeRepository: Judge = ({ state, plan, now }) => {
  const absent = failIfVeleroAbsent(ID, state, plan, EXPECTED);
  if (absent) return absent;
  const problems: string[] = [];
  const fixes: string[] = [];
  const evidence: string[] = [];
  const warnings: string[] = [];

  // An unread list is not an empty one: "no repository" would be a false finding either way.
  const repositoriesGap = readGapFor(state, 'backuprepositories');
  if (repositoriesGap) {
    return skip(ID, `BackupRepositories could not be read (${repositoriesGap}): the Kopia repositories are not verified.`);
  }
  const repositories = inNamespace(state.objects.backupRepositories, plan.namespace);
  const kopia = repositories.filter((repository) => (repository.spec?.repositoryType ?? 'kopia') === 'kopia');
  for (const repository of kopia) checkRepository(repository, now, problems, evidence);
  if (kopia.some((repository) => repository.status?.phase !== 'Ready')) {
    fixes.push(`Read status.message (kubectl -n ${plan.namespace} get backuprepositories -o yaml) and the velero log; a NotReady repository usually means the bucket's kopia/<namespace>/ prefix is unreachable, was deleted (e.g. by a lifecycle rule) or the repository password changed.`);
  }
  if (problems.some((problem) => /maintain/.test(problem))) {
    fixes.push(`Check the maintenance Jobs: kubectl -n ${plan.namespace} get jobs -l velero.io/repo-name and kubectl -n ${plan.namespace} logs job/<latest maintain job>.`);
  }

  // Every namespace whose volumes were backed up needs its repository (docs/velero-facts.md §1: kopia/<ns>/).
  const pvbNamespaces = new Set(
    inNamespace(state.objects.podVolumeBackups, plan.namespace)
      .filter((pvb) => (pvb.spec?.uploaderType || 'kopia') === 'kopia' && pvbPhase(pvb) === 'Completed')
      .map((pvb) => String(pvb.spec?.pod?.namespace ?? '')),
  );
  const covered = new Set(kopia.map((repository) => String(repository.spec?.volumeNamespace ?? '')));
  const uncovered = [...pvbNamespaces].filter((namespace) => namespace && !covered.has(namespace)).sort();
  evidence.push(`Namespaces with Completed Kopia PodVolumeBackups: ${[...pvbNamespaces].sort().join(', ') || '(none)'}; with a BackupRepository: ${[...covered].sort().join(', ') || '(none)'}`);
  if (uncovered.length) {
    problems.push(`no BackupRepository for namespace(s) ${uncovered.join(', ')} although they have PodVolumeBackups`);
    fixes.push('Velero creates the repository on the next file-system backup of that namespace; if it does not reappear, check velero backup logs and the bucket\'s kopia/ prefix.');
  }

  // The repository password and Velero's S3 credentials are required guardrails of their own
  // (guard.repository-password, guard.minio-root-credentials), not advisory notes here.

  if (kopia.length === 0 && pvbNamespaces.size === 0 && problems.length === 0) {
    return pass(ID, 'No Kopia repositories yet (no file-system backup has run)', evidence, details(EXPECTED, [...warnings, 'Nothing to judge until a file-system backup creates a repository.']));
  }
  if (problems.length === 0) {
    return pass(ID, `${kopia.length} Kopia repositor${kopia.length === 1 ? 'y is' : 'ies are'} Ready and maintained`, evidence, details(EXPECTED, warnings));
  }
  return fail(ID, `Kopia repository problems: ${problems.join('; ')}`, evidence, fixes.join(' '), details(EXPECTED, warnings));
};
