/**
 * dod.data-in-bucket — plan: "Data verified in MinIO bucket".
 *
 * For the backups in scope (the manual backup: --backup NAME or the newest one no Schedule
 * created; and the newest Completed backup of the plan's schedule — the same choice as
 * beyond.volume-coverage), from the bucket read by harness/bucket/collect.ts:
 * - `<p>backups/<name>/` holds every file PutBackup writes, none empty (docs/velero-facts.md §1; `-logs.gz`
 *   is best-effort → warning; `-csi-*` files are never required);
 * - velero-backup.json says Completed (docs/velero-facts.md §1: written twice, the final phase in the second write);
 * - the tarball holds resources for the backup's namespaces and the pods whose volumes were backed up (docs/velero-facts.md §2);
 * - `-podvolumebackups.json.gz` lists as many PVBs as the cluster has for the backup;
 * - each namespace with volume backups has a Kopia repository: kopia.repository, kopia.blobcfg, packs (docs/velero-facts.md §1).
 */
import { tarPathOf } from '../bucket/layout.ts';
import type { BackupInBucket, BucketState, KopiaRepositoryInBucket, ProbeError } from '../bucket/types.ts';
import type { BackupPlan } from '../plan.ts';
import type { KubeObject, State } from '../state.ts';
import { details, fail, pass, skip, type Judge } from './types.ts';
import { backupsToCover, selectManualBackup, type BackupToCover } from './facts/backups.ts';
import { podVolumeBackupsOf } from './facts/pod-volume-backups.ts';
import { failIfVeleroAbsent } from './facts/workloads.ts';
import { inNamespace, readGapFor } from './facts/object-access.ts';

const ID = 'dod.data-in-bucket' as const;
const EXPECTED =
  'Plan: "Data verified in MinIO bucket" — the backup\'s files under backups/<name>/, the tarball holds the resources, and a Kopia repository (kopia.repository, kopia.blobcfg, packs) for each namespace with volumes.';

/** Why the bucket part cannot be judged, or undefined when it can. */
export function bucketUnavailableReason(state: State, target: string): string | undefined {
  if (!state.bucket) {
    return target === 'snapshot'
      ? 'The snapshot holds no bucket capture; capture one with `node scripts/capture.mjs --out <dir>` (it writes <dir>/bucket/).'
      : 'The bucket was not read (no S3 credentials given?); set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or let the audit read the BSL credentials Secret.';
  }
  if (state.bucket.unreadable) return `Bucket not readable: ${state.bucket.unreadable}`;
  return undefined;
}

interface BackupTarget {
  role: 'manual' | 'scheduled';
  name: string;
  /** The Backup in the cluster state, when it is there. */
  object?: KubeObject;
}

function targetsOf(state: State, plan: BackupPlan, backupName?: string): BackupTarget[] {
  const targets: BackupTarget[] = backupsToCover(state, plan, backupName).map((entry: BackupToCover) => ({ role: entry.role, name: entry.backup.metadata.name, object: entry.backup }));
  // --backup NAME may name a backup the cluster no longer lists but the bucket still holds.
  if (backupName && selectManualBackup(state, plan, backupName).kind === 'missing') targets.unshift({ role: 'manual', name: backupName });
  return targets;
}

/**
 * What the collector must read for this item: the backups in scope and the namespaces whose
 * Kopia repositories matter (BackupRepositories' volumeNamespace and the PVBs' pod namespaces).
 * The live collector (harness/targets/cluster.ts) passes these to collectBucket; scripts/capture.mjs does the same.
 */
export function bucketScope(state: State, plan: BackupPlan, backupName?: string): { backupNames: string[]; volumeNamespaces: string[] } {
  const targets = targetsOf(state, plan, backupName);
  const namespaces = new Set<string>();
  for (const repository of inNamespace(state.objects.backupRepositories, plan.namespace)) {
    const ns = repository.spec?.volumeNamespace;
    if (typeof ns === 'string' && ns && (repository.spec?.repositoryType ?? 'kopia') === 'kopia') namespaces.add(ns);
  }
  for (const target of targets) {
    if (!target.object) continue;
    for (const pvb of podVolumeBackupsOf(state, plan, target.object)) {
      const ns = pvb.spec?.pod?.namespace;
      if (typeof ns === 'string' && ns) namespaces.add(ns);
    }
  }
  return { backupNames: [...new Set(targets.map((target) => target.name))], volumeNamespaces: [...namespaces].sort() };
}

function errorText(error: ProbeError): string {
  return `${error.code ? `${error.code}: ` : ''}${error.message}`;
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} B`;
}

function countText(count: { count: number; more: boolean }): string {
  return `${count.count}${count.more ? '+' : ''}`;
}

/** Namespaces the backup's resources must cover: explicit includes, else the namespaces of its volume backups. */
function expectedNamespaces(target: BackupTarget, backup: BackupInBucket): string[] {
  const included = ((target.object?.spec?.includedNamespaces as string[] | undefined) ?? backup.metadata?.includedNamespaces ?? []).filter(
    (ns) => ns !== '*' && !/[*?]/.test(ns),
  );
  if (included.length > 0) return [...new Set(included)].sort();
  return [...new Set((backup.podVolumeBackups ?? []).map((pvb) => pvb.podNamespace ?? '').filter(Boolean))].sort();
}

interface BackupVerdict {
  evidence: string[];
  problems: string[];
  warnings: string[];
  repositoryProblems: boolean;
}

function judgeTarball(target: BackupTarget, backup: BackupInBucket, verdict: BackupVerdict): void {
  const where = `${backup.folder}${backup.name}.tar.gz`;
  if (backup.tarballError) {
    verdict.problems.push(`${where} could not be read: ${errorText(backup.tarballError)}`);
    return;
  }
  const tarball = backup.tarball;
  if (!tarball) return; // missing file: already reported
  const perNamespace = Object.entries(tarball.namespaces)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ns, count]) => `${ns} (${count})`);
  verdict.evidence.push(
    `${where}: ${tarball.entryCount} entries, format ${tarball.formatVersion ?? '(no metadata/version)'}, namespaced items: ${perNamespace.join(', ') || 'none'}, cluster-scoped items: ${tarball.clusterEntries}`,
  );
  const namespaced = Object.values(tarball.namespaces).reduce((sum, count) => sum + count, 0);
  if (namespaced + tarball.clusterEntries === 0) verdict.problems.push(`${where} holds no resources at all.`);
  for (const ns of expectedNamespaces(target, backup)) {
    if (!tarball.namespaces[ns]) verdict.problems.push(`${where} holds no resources of namespace ${ns}.`);
  }
  // The resource list and the tarball are written from the same backup run: namespaces must agree.
  if (backup.resourceList) {
    const listed = new Set(
      Object.values(backup.resourceList)
        .flat()
        .filter((item) => item.includes('/'))
        .map((item) => item.slice(0, item.indexOf('/'))),
    );
    const absent = [...listed].filter((ns) => !tarball.namespaces[ns]).sort();
    if (absent.length) verdict.problems.push(`${backup.name}-resource-list.json.gz lists items of namespace(s) ${absent.join(', ')} that the tarball does not hold.`);
  }
  if (!tarball.entriesTruncated) {
    const entries = new Set(tarball.entries);
    for (const pvb of backup.podVolumeBackups ?? []) {
      if (!pvb.podNamespace || !pvb.podName || !tarball.scopeNamespaces.includes(pvb.podNamespace)) continue;
      const path = tarPathOf('pods', pvb.podNamespace, pvb.podName);
      if (!entries.has(path)) verdict.problems.push(`${where} lacks ${path}, the pod whose volume ${pvb.volume ?? '?'} was backed up.`);
    }
  }
}

function judgePodVolumeBackups(context: { state: State; plan: BackupPlan }, target: BackupTarget, backup: BackupInBucket, verdict: BackupVerdict): void {
  if (backup.podVolumeBackupsError) {
    verdict.problems.push(`${backup.folder}${backup.name}-podvolumebackups.json.gz could not be read: ${errorText(backup.podVolumeBackupsError)}`);
    return;
  }
  const inBucket = backup.podVolumeBackups;
  if (!inBucket) return; // missing file: already reported
  const notCompleted = inBucket.filter((pvb) => pvb.phase !== 'Completed');
  for (const pvb of notCompleted) {
    verdict.problems.push(`PodVolumeBackup ${pvb.name} (${pvb.podNamespace ?? '?'}/${pvb.podName ?? '?'} volume ${pvb.volume ?? '?'}) is ${pvb.phase || 'without a phase'} in the bucket: its data is not in the repository.`);
  }
  let clusterText = '';
  const gap = readGapFor(context.state, 'podvolumebackups');
  if (!target.object) clusterText = ' (the cluster state does not hold this Backup: count not compared)';
  else if (gap) verdict.warnings.push(`PodVolumeBackups could not be read from the cluster (${gap}): the bucket's count for ${backup.name} was not compared.`);
  else {
    const inCluster = podVolumeBackupsOf(context.state, context.plan, target.object).length;
    clusterText = `, the cluster has ${inCluster}`;
    if (inCluster !== inBucket.length) {
      verdict.problems.push(
        `${backup.name}-podvolumebackups.json.gz lists ${inBucket.length} PodVolumeBackup(s), the cluster has ${inCluster} labelled velero.io/backup-name=${backup.name}: the bucket and the cluster disagree about which volumes were backed up.`,
      );
    }
  }
  verdict.evidence.push(`${backup.name}-podvolumebackups.json.gz: ${inBucket.length} PodVolumeBackup(s) (${inBucket.length - notCompleted.length} Completed)${clusterText}`);
  if (inBucket.length === 0) verdict.warnings.push(`Backup ${backup.name} has no PodVolumeBackups: no volume data went to Kopia (see beyond.volume-coverage).`);
}

function judgeRepository(namespace: string, repository: KopiaRepositoryInBucket | undefined, bucket: BucketState, verdict: BackupVerdict, seen: Set<string>): void {
  if (seen.has(namespace)) return;
  seen.add(namespace);
  const folder = `${bucket.prefix ? `${bucket.prefix.replace(/\/+$/, '')}/` : ''}kopia/${namespace}/`;
  if (!repository) {
    verdict.problems.push(`${folder} was not read (the capture does not include it): the Kopia repository of ${namespace} is not verified.`);
    return;
  }
  if (repository.metaError) {
    verdict.problems.push(`${repository.prefix} could not be listed: ${errorText(repository.metaError)}`);
    return;
  }
  const problems: string[] = [];
  if (!repository.hasRepository) problems.push(`${repository.prefix}kopia.repository is missing: the repository cannot be opened (was it expired by a lifecycle rule?)`);
  if (!repository.hasBlobcfg) problems.push(`${repository.prefix}kopia.blobcfg is missing`);
  const { p, q, x } = repository.packs;
  for (const [name, count] of Object.entries({ p, q, x })) if (count.error) problems.push(`${repository.prefix}${name}* could not be listed: ${errorText(count.error)}`);
  if (!p.error && !q.error && p.count + q.count === 0) problems.push(`${repository.prefix} holds no pack blobs (p*, q*): no backup data was ever written there`);
  else if (!p.error && p.count === 0) verdict.warnings.push(`${repository.prefix} has metadata packs but no data packs (p*): were the volumes empty?`);
  verdict.problems.push(...problems);
  if (problems.length) verdict.repositoryProblems = true;
  verdict.evidence.push(
    `${repository.prefix}: ${[repository.hasRepository ? 'kopia.repository' : 'no kopia.repository', repository.hasBlobcfg ? 'kopia.blobcfg' : 'no kopia.blobcfg'].join(', ')}, packs p=${countText(p)} q=${countText(q)} x=${countText(x)}`,
  );
}

function judgeBackup(context: { state: State; plan: BackupPlan }, bucket: BucketState, target: BackupTarget, verdict: BackupVerdict, seenRepos: Set<string>): void {
  const backup = bucket.backups.find((candidate) => candidate.name === target.name);
  const label = `${target.role} backup ${target.name}`;
  if (!backup) {
    verdict.problems.push(`The ${label} was not read from the bucket (the capture does not include backups/${target.name}/).`);
    return;
  }
  if (backup.listError) {
    verdict.problems.push(`${backup.folder} could not be listed: ${errorText(backup.listError)}`);
    return;
  }
  if (backup.files.length === 0) {
    verdict.problems.push(`${backup.folder} holds no files: the ${label} was never uploaded, or its files were deleted (a lifecycle rule, or a DeleteBackupRequest).`);
    return;
  }
  const total = backup.files.reduce((sum, file) => sum + file.size, 0);
  verdict.evidence.push(
    `${backup.folder}: ${backup.files.length} files, ${sizeText(total)}; ${backup.missingRequired.length === 0 ? 'all 8 required files present' : `missing ${backup.missingRequired.join(', ')}`}${backup.logsPresent ? '' : '; no -logs.gz'}`,
  );
  if (backup.missingRequired.length) verdict.problems.push(`${backup.folder} lacks ${backup.missingRequired.join(', ')} (docs/velero-facts.md §1: PutBackup writes them for every backup).`);
  if (backup.emptyRequired.length) verdict.problems.push(`${backup.folder} has empty (0-byte) ${backup.emptyRequired.join(', ')}.`);
  if (!backup.logsPresent) verdict.warnings.push(`${backup.folder}${backup.name}-logs.gz is missing (best-effort upload): \`velero backup logs ${backup.name}\` will have nothing to show.`);

  if (backup.backupJsonError) verdict.problems.push(`${backup.folder}velero-backup.json could not be read: ${errorText(backup.backupJsonError)}`);
  else if (backup.metadata) {
    const phase = backup.metadata.phase ?? '(none)';
    verdict.evidence.push(`${backup.folder}velero-backup.json: status.phase = ${phase}`);
    if (phase !== 'Completed') {
      const why = /^Finalizing|^WaitingForPluginOperations|^InProgress/.test(phase) ? ' — only the first write happened; the finalizer never uploaded the final phase' : '';
      verdict.problems.push(`${backup.folder}velero-backup.json says phase ${phase}, not Completed${why}.`);
    }
    const clusterPhase = target.object?.status?.phase;
    if (clusterPhase && clusterPhase !== phase) verdict.warnings.push(`Backup ${target.name} is ${clusterPhase} in the cluster but ${phase} in the bucket.`);
  }
  if (backup.resourceListError) verdict.problems.push(`${backup.folder}${backup.name}-resource-list.json.gz could not be read: ${errorText(backup.resourceListError)}`);

  judgeTarball(target, backup, verdict);
  judgePodVolumeBackups(context, target, backup, verdict);

  const namespaces = new Set((backup.podVolumeBackups ?? []).map((pvb) => pvb.podNamespace ?? '').filter(Boolean));
  if (!backup.podVolumeBackups && target.object) {
    for (const pvb of podVolumeBackupsOf(context.state, context.plan, target.object)) if (pvb.spec?.pod?.namespace) namespaces.add(pvb.spec.pod.namespace);
  }
  for (const namespace of [...namespaces].sort()) {
    judgeRepository(namespace, bucket.kopia.repositories.find((repository) => repository.namespace === namespace), bucket, verdict, seenRepos);
  }
}

export const judgeDataInBucket: Judge = (context) => {
  const { state, plan, target } = context;
  const absent = failIfVeleroAbsent(ID, state, plan, EXPECTED);
  if (absent) return absent;
  const unavailable = bucketUnavailableReason(state, target);
  if (unavailable) return skip(ID, unavailable);
  const bucket = state.bucket!;

  const targets = targetsOf(state, plan, context.backupName);
  if (targets.length === 0) {
    return fail(
      ID,
      'No backup to verify in the bucket: no manual backup and no Completed scheduled backup',
      [`Backups in ${plan.namespace}: ${inNamespace(state.objects.backups, plan.namespace).length}`],
      `Create one: \`velero backup create verification-test --wait\` (or pass --backup NAME), then run the audit again.`,
      details(EXPECTED),
    );
  }

  const verdict: BackupVerdict = { evidence: [`Bucket ${bucket.bucket}${bucket.prefix ? ` prefix ${bucket.prefix}` : ''} at ${bucket.endpoint}, read ${bucket.collectedAt}`], problems: [], warnings: [], repositoryProblems: false };
  const seenRepos = new Set<string>();
  for (const entry of targets) judgeBackup(context, bucket, entry, verdict, seenRepos);
  if (bucket.topLevel?.unexpected.length) {
    verdict.warnings.push(
      `The bucket${bucket.prefix ? ` prefix ${bucket.prefix}/` : ''} holds directories Velero does not own (${bucket.topLevel.unexpected.join(', ')}): the BSL turns Unavailable (docs/velero-facts.md §1). Move them or give Velero a prefix.`,
    );
  }
  verdict.warnings.push(...bucket.notes);

  const names = targets.map((entry) => entry.name).join(' and ');
  if (verdict.problems.length === 0) {
    return pass(ID, `Backup data for ${names} is in the bucket: files, Completed metadata, resources and Kopia repositories`, verdict.evidence, details(EXPECTED, verdict.warnings));
  }
  const remediation = [
    `Inspect with \`velero -n ${plan.namespace} backup describe <name> --details\` and \`velero -n ${plan.namespace} backup logs <name>\`; check that the BSL is Available and that no bucket lifecycle rule deletes Velero's objects (see beyond.retention).`,
    verdict.repositoryProblems
      ? 'A Kopia repository without kopia.repository cannot be opened and its blobs cannot be recovered: remove the lifecycle rule, delete the BackupRepository CR of that namespace so Velero re-initialises it (older data in it is lost), and take a new backup.'
      : 'Then take a new backup (`velero backup create verification-test --wait`) and run the audit again.',
  ].join(' ');
  const first = verdict.problems[0];
  return fail(ID, `Backup data in the bucket is incomplete: ${first}${verdict.problems.length > 1 ? ` (+${verdict.problems.length - 1} more)` : ''}`, [...verdict.evidence, ...verdict.problems.map((problem) => `Problem: ${problem}`)], remediation, details(EXPECTED, verdict.warnings));
};
