/**
 * Live collection: read what the judges need from a cluster with get/list only and reduce it to a
 * State. A read the credentials may not make (RBAC 403) becomes a State.readGaps entry naming
 * verb and resource — the items that need it are then not verified, the run does not crash.
 * Secret values are read into memory for the summary (and the bucket check), never kept.
 *
 * Only what the items read is asked for, so that a large cluster costs a few dozen requests
 * (docs/performance.md): the kinds the judges read, in the namespaces they look at, in large
 * pages; PodVolumeBackups only of the backups in scope (label selector velero.io/backup-name),
 * and only the Secrets the plan names (get by name, never a list of every Secret's values).
 */
import { createHash } from 'node:crypto';
import { parseAwsCredentialsFile, profileKeys } from '../aws-credentials-file.ts';
import type { BackupPlan } from '../plan.ts';
import type { KubeObject, ReadGap, State } from '../state.ts';
import { buildState } from '../collect/objects.ts';
import { backupsToCover } from '../judge/facts/backups.ts';
import { LABELS, REPO_CREDENTIALS_SECRET } from '../judge/facts/velero-names.ts';
import { AuditInputError, describeError } from '../errors.ts';
import type { KubeApi } from './api.ts';
import type { KubeTarget } from './config.ts';
import { isAborted, KubeApiError, KubeTransportError } from './errors.ts';
import type { Redactor } from '../redact.ts';
import { qualifiedResource, R, VELERO_GROUP, VELERO_VERSION, type ResourceType } from './resources.ts';

/** S3 credentials read from the credentials Secret; memory only, never in State or output. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  source: string;
}

export interface LiveCollectOptions {
  plan: BackupPlan;
  target: Pick<KubeTarget, 'context' | 'server'>;
  redactor: Redactor;
  signal?: AbortSignal;
  /** Namespaces whose pods are read in full, finished ones included (the drill's canary namespaces). */
  extraNamespaces?: string[];
  /** The manual backup the items judge (`--backup`, or the drill's backup): its PodVolumeBackups are read. */
  backupName?: string;
}

export interface LiveCollection {
  state: State;
  credentials?: S3Credentials;
}

interface ListSpec {
  type: ResourceType;
  namespace?: string;
  fieldSelector?: string;
  labelSelector?: string;
  /** A 404 (the API is not served, e.g. no Gateway API) is not a gap: there is simply nothing of that kind. */
  optional?: boolean;
}

/**
 * Objects per request (the API server's `limit`). kubectl pages by 500; a page of 1,000 Backups is
 * a few MB, and 5,000 of them take 6 requests instead of 20 at the client's default of 250.
 */
const COLLECT_PAGE_SIZE = 1000;

/** The Velero kinds the judges read. PodVolumeBackups are read per backup in scope (below). */
const VELERO_LISTS: ResourceType[] = [R.backups, R.schedules, R.backupStorageLocations, R.volumeSnapshotLocations, R.restores, R.backupRepositories];

/**
 * The value Velero gives label velero.io/backup-name: the name itself up to 63 characters, else its
 * first 57 characters and 6 hex digits of its sha256 (label.GetValidName, docs/velero-facts.md).
 */
export function backupNameLabelValue(name: string): string {
  if (name.length <= 63) return name;
  return `${name.slice(0, 57)}${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
}

/** The Secrets the items read: the plan's credentials, Kopia's repository password, and any credential a BSL names. */
function secretNamesOf(plan: BackupPlan, locations: KubeObject[]): string[] {
  const named = locations.map((location) => (location.spec as { credential?: { name?: unknown } } | undefined)?.credential?.name).filter((name): name is string => typeof name === 'string' && name !== '');
  return [...new Set([plan.credentials.secretName, REPO_CREDENTIALS_SECRET, ...named])];
}

/** The image tag of the velero Deployment's server container (`v1.18.1`), if it has one. */
export function veleroVersionOf(deployment: KubeObject | undefined): string | undefined {
  const containers = ((deployment?.spec as { template?: { spec?: { containers?: Array<{ name?: string; image?: string }> } } } | undefined)?.template?.spec?.containers) ?? [];
  const container = containers.find((candidate) => candidate.name === 'velero') ?? containers[0];
  const image = container?.image?.split('@')[0];
  if (!image) return undefined;
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > lastSlash ? image.slice(colon + 1) : undefined;
}

function gapReason(error: unknown): string {
  return error instanceof KubeApiError && error.status === 403
    ? `forbidden (RBAC): ${error.body?.message ?? error.message}`
    : error instanceof KubeApiError
      ? `HTTP ${error.status}${error.reason ? ` ${error.reason}` : ''}: ${error.body?.message ?? error.message}`
      : describeError(error);
}

function readGap(spec: ListSpec, error: unknown): ReadGap {
  return { verb: 'list', resource: qualifiedResource(spec.type), ...(spec.namespace ? { namespace: spec.namespace } : {}), reason: gapReason(error) };
}

/** Credentials from an AWS credentials file (docs/velero-facts.md §6), profile `default` unless the BSL names one. */
function credentialsFromSecret(secret: KubeObject | undefined, key: string, profile: string): S3Credentials | undefined {
  const data = (secret?.data ?? {}) as Record<string, string>;
  if (typeof data[key] !== 'string') return undefined;
  try {
    const section = profileKeys(parseAwsCredentialsFile(Buffer.from(data[key], 'base64').toString('utf8')), profile);
    const accessKeyId = section?.accessKeyId;
    const secretAccessKey = section?.secretAccessKey;
    if (!accessKeyId || !secretAccessKey) return undefined;
    return { accessKeyId, secretAccessKey, source: `Secret ${secret!.metadata.namespace}/${secret!.metadata.name} key ${key} [${profile}]` };
  } catch {
    return undefined;
  }
}

/** First contact: `/version`. An unreachable server or rejected credentials is something the user fixes (exit 2). */
async function readServerVersion(api: KubeApi, target: Pick<KubeTarget, 'context' | 'server'>, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const version = await api.serverVersion({ signal });
    return version.gitVersion;
  } catch (error) {
    if (isAborted(error)) throw error;
    if (error instanceof KubeTransportError) {
      throw new AuditInputError(`Cannot reach the Kubernetes API server ${target.server} (context "${target.context}"): ${error.message}. Check the kubeconfig, the network path to the cluster, and --context.`);
    }
    if (error instanceof KubeApiError && error.status === 401) {
      throw new AuditInputError(`The Kubernetes API server ${target.server} (context "${target.context}") rejected the kubeconfig's credentials (HTTP 401). Refresh the credentials of that context and run again.`);
    }
    if (error instanceof KubeApiError && error.status === 403) return undefined; // unusual, but not fatal: the reads below record their own gaps
    throw error;
  }
}

export async function collectLiveState(api: KubeApi, options: LiveCollectOptions): Promise<LiveCollection> {
  const { plan, target, redactor, signal } = options;
  const namespace = plan.namespace;
  const kubernetesVersion = await readServerVersion(api, target, signal);
  const gaps: ReadGap[] = [];
  let veleroServed: boolean | undefined;
  try {
    veleroServed = await api.serves({ group: VELERO_GROUP, version: VELERO_VERSION }, { signal });
  } catch (error) {
    if (isAborted(error)) throw error;
    gaps.push({ verb: 'get', resource: `${VELERO_GROUP}/${VELERO_VERSION} (API discovery)`, reason: describeError(error) });
  }

  const extra = [...new Set((options.extraNamespaces ?? []).filter((ns) => ns !== namespace))];
  const lists: ListSpec[] = [
    ...(veleroServed === false ? [] : VELERO_LISTS.map((type) => ({ type, namespace }))),
    { type: R.deployments, namespace },
    { type: R.daemonSets, namespace },
    { type: R.pods, namespace },
    // Workloads everywhere: the volume-coverage and exposure judges look across namespaces.
    // Finished pods hold no volumes worth judging; the Velero namespace's are read in full above.
    { type: R.pods, fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' },
    { type: R.persistentVolumeClaims },
    { type: R.persistentVolumes },
    { type: R.services },
    { type: R.ingresses, optional: true },
    { type: R.httpRoutes, optional: true },
    { type: R.nodes },
    { type: R.namespaces },
    ...extra.map((ns) => ({ type: R.pods, namespace: ns })),
  ];
  const readList = async (spec: ListSpec): Promise<KubeObject[]> => {
    try {
      return (await api.list(spec.type, { namespace: spec.namespace, fieldSelector: spec.fieldSelector, labelSelector: spec.labelSelector, pageSize: COLLECT_PAGE_SIZE, signal })).items;
    } catch (error) {
      if (isAborted(error)) throw error;
      if (spec.optional && error instanceof KubeApiError && error.status === 404) return [];
      gaps.push(readGap(spec, error));
      return [];
    }
  };
  const results = await Promise.all(lists.map(readList));
  const listed = (type: ResourceType) => lists.flatMap((spec, index) => (spec.type === type && spec.namespace === namespace ? results[index] : []));

  // What the first reads decide: the backups in scope (their PodVolumeBackups) and the Secrets named.
  const second: Array<Promise<KubeObject[]>> = [];
  if (veleroServed !== false) {
    const backupsGap = gaps.some((gap) => gap.resource === qualifiedResource(R.backups));
    const scope = buildState([...listed(R.backups), ...listed(R.schedules)], { source: { target: 'cluster', description: 'scope' }, namespace });
    const inScope = [...new Set([...backupsToCover(scope, plan, options.backupName).map(({ backup }) => backup.metadata.name), ...(options.backupName ? [options.backupName] : [])])];
    // Without the Backups the scope is unknown: read every PodVolumeBackup, as before scoping.
    if (backupsGap) second.push(readList({ type: R.podVolumeBackups, namespace }));
    else if (inScope.length) {
      second.push(readList({ type: R.podVolumeBackups, namespace, labelSelector: `${LABELS.backupName} in (${inScope.map(backupNameLabelValue).join(',')})` }));
    }
  }
  const secretReads = secretNamesOf(plan, listed(R.backupStorageLocations)).map(async (name): Promise<KubeObject[]> => {
    try {
      const secret = await api.get(R.secrets, name, namespace, { signal });
      return secret ? [{ ...secret, apiVersion: secret.apiVersion ?? 'v1', kind: secret.kind ?? 'Secret' }] : [];
    } catch (error) {
      if (isAborted(error)) throw error;
      gaps.push({ verb: 'get', resource: qualifiedResource(R.secrets), namespace, reason: `Secret ${name}: ${gapReason(error)}` });
      return [];
    }
  });
  const [pvbs, secretsRead] = await Promise.all([Promise.all(second), Promise.all(secretReads)]);

  // One copy of each object (pods of the Velero namespace appear in two lists).
  const seen = new Set<string>();
  const objects: KubeObject[] = [];
  for (const item of [...results.flat(), ...pvbs.flat()]) {
    const key = `${item.apiVersion}/${item.kind}/${item.metadata.namespace ?? ''}/${item.metadata.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    objects.push(item);
  }
  let secrets: KubeObject[] = secretsRead.flat();

  // Every value of every Secret read is a value that must never be shown.
  for (const secret of secrets) {
    for (const value of Object.values((secret.data ?? {}) as Record<string, string>)) {
      if (typeof value === 'string') redactor.add(Buffer.from(value, 'base64').toString('utf8'));
    }
  }
  const bsl = objects.find((object) => object.kind === 'BackupStorageLocation' && object.metadata.name === plan.storage.locationName);
  const profile = (bsl?.spec as { config?: Record<string, string> } | undefined)?.config?.profile ?? 'default';
  const credentials = credentialsFromSecret(
    secrets.find((secret) => secret.metadata.name === plan.credentials.secretName),
    plan.credentials.key,
    profile,
  );

  const state = buildState([...redactor.deepKnownValues(objects), ...secrets], {
    source: { target: 'cluster', description: `context "${target.context}" (${target.server})` },
    namespace,
    credentialKeys: [plan.credentials.key],
  });
  secrets = []; // drop the only references to the values
  state.capturedAt = new Date().toISOString();
  state.readGaps = gaps;
  // Discovery decides: no velero.io API group means the CRDs, and so Velero, are not installed.
  if (veleroServed !== undefined) state.veleroInstalled = veleroServed;
  state.cluster = {
    context: target.context,
    server: target.server,
    kubernetesVersion,
    veleroVersion: veleroVersionOf(state.objects.deployments.find((deployment) => deployment.metadata.name === 'velero' && deployment.metadata.namespace === namespace)),
  };
  return { state, credentials };
}
