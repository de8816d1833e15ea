/**
 * beyond.repository (advisory) — the Kopia repositories behind "Velero + Kopia (FSB) for PVCs".
 *
 * FACTS.md §3 (BackupRepository) and §8:
 * - one BackupRepository per (volume namespace, BSL, type) named <ns>-<bsl>-kopia; phase
 *   New | Ready | NotReady — anything but Ready fails with status.message;
 * - maintenance runs as Jobs every spec.maintenanceFrequency (default 1h); a failed latest
 *   recentMaintenance entry fails; lastMaintenanceTime older than 2 × frequency fails, with a
 *   24h floor so that a missed hourly run or two is tolerated (advisory item, be lenient); an
 *   unparsable frequency falls back to Velero's 7 days;
 * - every namespace that has PodVolumeBackups needs a repository;
 * - the repository password Secret velero-repo-credentials must not hold Velero's default
 *   `static-passw0rd` (it can be changed only before the first backup into a repository);
 * - credentials equal to MinIO's well-known root defaults fail too.
 */
import { formatDuration, parseGoDuration } from '../duration.ts';
import type { KubeObject } from '../state.ts';
import { fail, pass, skip, type Judge } from './types.ts';
import { details, failIfVeleroAbsent, findSecret, inNamespace, pvbPhase, readGapFor, relativeTime, REPO_CREDENTIALS_SECRET, timeOf } from './velero-objects.ts';

const ID = 'beyond.repository' as const;
const HOUR = 3_600_000;
const DEFAULT_FREQUENCY_MS = HOUR; // FACTS.md §8: Kopia's defaultMaintainCheckPeriod
const FALLBACK_FREQUENCY_MS = 7 * 24 * HOUR; // FACTS.md §8: the controller's fallback
const MAINTENANCE_FLOOR_MS = 24 * HOUR;
const EXPECTED =
  'Kopia BackupRepositories are Ready and maintained (lastMaintenanceTime within 2 × maintenanceFrequency, at least 24h; latest maintenance not Failed), every namespace with PodVolumeBackups has one, and the repository password is not Velero\'s default.';

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

  // Every namespace whose volumes were backed up needs its repository (FACTS.md §1: kopia/<ns>/).
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

  // Secrets: never values, only the summary's facts.
  const secretsGap = readGapFor(state, 'secrets');
  if (secretsGap) {
    warnings.push(`Secrets could not be read (${secretsGap}): the repository password and the credentials were not checked.`);
  } else {
    const repoSecret = findSecret(state, plan.namespace, REPO_CREDENTIALS_SECRET);
    if (!repoSecret) {
      warnings.push(`Secret ${REPO_CREDENTIALS_SECRET} is not in the input: the repository password was not checked.`);
    } else if (repoSecret.repositoryPasswordIsDefault === true) {
      evidence.push(`Secret ${REPO_CREDENTIALS_SECRET}: repository-password is Velero's default`);
      problems.push(`the Kopia repository password is Velero's default static-passw0rd (Secret ${REPO_CREDENTIALS_SECRET})`);
      fixes.push(
        `Anyone with bucket access can decrypt the backups. A repository's password can be set only before its first backup (FACTS.md §8): create Secret ${REPO_CREDENTIALS_SECRET} (key repository-password) with a strong value before Velero first runs; for existing repositories that means new repositories (new BSL prefix or bucket) and fresh backups.`,
      );
    } else {
      evidence.push(`Secret ${REPO_CREDENTIALS_SECRET}: repository-password is not Velero's default`);
    }
    const defaultsCredentials = state.objects.secrets.filter(
      (secret) => (secret.namespace ?? plan.namespace) === plan.namespace && Object.values(secret.credentialFiles ?? {}).some((file) => file.usesWellKnownDefaults),
    );
    for (const secret of defaultsCredentials) {
      problems.push(`Secret ${secret.name} holds MinIO's well-known default root credentials`);
      fixes.push(`Create a dedicated MinIO user for Velero with access to the bucket only, put its keys into Secret ${secret.name} (from k8s-secrets.enc.yaml), and change MinIO's root password.`);
    }
  }

  if (kopia.length === 0 && pvbNamespaces.size === 0 && problems.length === 0) {
    return pass(ID, 'No Kopia repositories yet (no file-system backup has run)', evidence, details(EXPECTED, [...warnings, 'Nothing to judge until a file-system backup creates a repository.']));
  }
  if (problems.length === 0) {
    return pass(ID, `${kopia.length} Kopia repositor${kopia.length === 1 ? 'y is' : 'ies are'} Ready and maintained`, evidence, details(EXPECTED, warnings));
  }
  return fail(ID, `Kopia repository problems: ${problems.join('; ')}`, evidence, fixes.join(' '), details(EXPECTED, warnings));
};
