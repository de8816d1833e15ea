/**
 * guard.lan-only — plan: "Do NOT expose MinIO publicly (keep LAN only)." One judge for every
 * target; it reads these facts when the State has them (docs/retention-and-exposure.md §5, rules
 * E1, E2, E4; Velero `contributions/minio.md` names NodePort, Ingress and `publicUrl` as the ways
 * MinIO leaks):
 * - every BackupStorageLocation's `s3Url` host is loopback or private (RFC 1918, ULA, link-local,
 *   `.lan`/`.local`/`.home.arpa`/`.internal`, single-label; exposure.ts `classifyHost`); an aws
 *   location without `s3Url` talks to AWS S3 on the internet; `publicUrl` (pre-signed download
 *   URLs) is unset or private. Without the plan's endpoint (`expect.s3Url: false`) only a
 *   self-hosted store on a public address or name is exposure (exposure.ts `classifyStorageEndpoint`);
 * - no Service of type LoadBalancer/NodePort (or with externalIPs), no Ingress or HTTPRoute
 *   exposes MinIO (exposure.ts `findPublicExposure`);
 * - from a bucket read or capture: every unsigned probe answered 403 (MinIO checks anonymous
 *   requests only against the bucket policy), and the bucket policy has no Allow for Principal "*".
 * What the input does not show (no location, no bucket) is reported as not verified.
 */
import type { AnonymousProbe, BucketState } from '../bucket/types.ts';
import { expects } from '../plan.ts';
import type { KubeObject, State } from '../state.ts';
import { classifyHost, classifyStorageEndpoint, findPublicExposure, isLanScope } from './exposure.ts';
import { bucketUnavailableReason } from './dod-data-in-bucket.ts';
import { fail, pass, skip, type Finding, type Judge } from './types.ts';
import { inNamespace } from './facts/object-access.ts';
import { describeObject, objectsAreRepositoryFiles, provenance } from './facts/manifests-input.ts';
import { newChecks, remedy, type Checks } from './checks.ts';

const ID = 'guard.lan-only' as const;
const BUCKET_EXPECTED = 'with a bucket read, anonymous S3 requests get 403 and no bucket policy allows Principal "*"';
const EXPECTED = `Plan: "Do NOT expose MinIO publicly (keep LAN only)." — the BSL s3Url (and publicUrl) are LAN addresses, no LoadBalancer, NodePort, Ingress or HTTPRoute publishes MinIO, and ${BUCKET_EXPECTED}.`;
const EXPECTED_ANY = `No self-hosted object store is reachable from outside: no public address or public DNS name as the BSL s3Url/publicUrl of a store that is not a cloud service, no LoadBalancer, NodePort, Ingress or HTTPRoute publishing MinIO, and ${BUCKET_EXPECTED}.`;
const LAN_REMEDY = 'Point s3Url at MinIO\'s LAN address (e.g. http://10.10.10.209:9000, or an internal name such as *.lan / *.home.arpa) and keep MinIO off public addresses.';

const PROBE_TEXT: Record<AnonymousProbe['name'], string> = {
  'list-root': 'anonymous listing of the bucket',
  'list-backups': 'anonymous listing of backups/',
  'list-kopia': 'anonymous listing of kopia/',
  'get-backup-metadata': 'anonymous GET of a backup\'s velero-backup.json',
  'get-kopia-repository': 'anonymous GET of kopia.repository',
};

function asList(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/** Principal "*", {"AWS":"*"} or {"AWS":["*"]} (docs/retention-and-exposure.md §5.1). */
function principalIsEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (typeof principal === 'object' && principal !== null) return asList((principal as Record<string, unknown>).AWS).includes('*');
  return false;
}

export interface PublicStatement {
  actions: string[];
  resources: string[];
  /** Has a Condition (e.g. aws:SourceIp): narrower, still worth a look (docs/retention-and-exposure.md §5.1: warn). */
  conditional: boolean;
}

/** Allow statements for everyone in a bucket policy document. */
export function publicAllowStatements(document: unknown): PublicStatement[] {
  const statements = asList((document as { Statement?: unknown } | null)?.Statement) as Array<Record<string, unknown>>;
  return statements
    .filter((statement) => statement?.Effect === 'Allow' && principalIsEveryone(statement.Principal))
    .map((statement) => ({
      actions: asList(statement.Action).map(String),
      resources: asList(statement.Resource).map(String),
      conditional: typeof statement.Condition === 'object' && statement.Condition !== null && Object.keys(statement.Condition).length > 0,
    }));
}

/** An endpoint the plan wants on the LAN: anything else is a problem, a public one critical. */
function checkLanEndpoint(checks: Checks, where: string, field: 's3Url' | 'publicUrl', url: string): void {
  const host = classifyHost(url);
  checks.evidence.push(`${where}: spec.config.${field} = ${url} → ${host.scope} (${host.reason})`);
  if (isLanScope(host.scope)) return;
  checks.problems.push(`spec.config.${field} ${url} of ${where} is not a LAN address (${host.reason})`);
  checks.critical ||= host.scope === 'public';
  remedy(checks, field === 's3Url' ? LAN_REMEDY : 'Remove spec.config.publicUrl (or point it at a LAN name): pre-signed download URLs then stay on the LAN.');
}

function checkLocation(checks: Checks, bsl: KubeObject): void {
  const where = describeObject(bsl);
  const config = (bsl.spec?.config ?? {}) as Record<string, unknown>;
  if (typeof config.s3Url === 'string' && config.s3Url.trim() !== '') checkLanEndpoint(checks, where, 's3Url', config.s3Url);
  else if (bsl.spec?.provider === 'aws') {
    checks.evidence.push(`${where}: spec.config.s3Url unset → the AWS plugin talks to AWS S3 on the internet`);
    checks.problems.push(`${where} has no s3Url, so it targets AWS S3 rather than the LAN MinIO`);
    remedy(checks, 'Set `config.s3Url` to the LAN MinIO endpoint.');
  } else {
    checks.evidence.push(`${where}: provider ${String(bsl.spec?.provider ?? '(unset)')}, no s3Url`);
  }
  if (typeof config.publicUrl === 'string' && config.publicUrl.trim() !== '') checkLanEndpoint(checks, where, 'publicUrl', config.publicUrl);
  else checks.evidence.push(`${where}: spec.config.publicUrl unset`);
}

/**
 * Without the plan's endpoint (`expect.s3Url: false`), only what holds for every install is
 * judged: a self-hosted store on a public address or public DNS name is exposure; a cloud object
 * store, an in-cluster Service name, a LAN address and a placeholder are not.
 */
function checkLocationAnyInstall(checks: Checks, bsl: KubeObject): void {
  const where = describeObject(bsl);
  const config = (bsl.spec?.config ?? {}) as Record<string, unknown>;
  for (const field of ['s3Url', 'publicUrl'] as const) {
    if (field === 'publicUrl' && (typeof config.publicUrl !== 'string' || config.publicUrl.trim() === '')) continue;
    const endpoint = classifyStorageEndpoint(bsl.spec?.provider, config[field]);
    checks.evidence.push(`${where}: ${field === 's3Url' ? `provider ${String(bsl.spec?.provider ?? '(unset)')}, s3Url ${String(config.s3Url ?? '(unset)')}` : `publicUrl ${String(config.publicUrl)}`} → ${endpoint.kind} (${endpoint.reason})`);
    if (endpoint.kind === 'public') {
      checks.problems.push(`spec.config.${field} ${String(config[field])} puts a self-hosted object store on the internet (${endpoint.reason})`);
      checks.critical = true;
      remedy(checks, 'Reach the object store over the LAN, a VPN or an in-cluster Service (e.g. http://minio.<namespace>.svc:9000) rather than a public address, or put it behind access control you have verified.');
    } else if (endpoint.kind === 'unknown') {
      checks.warnings.push(`${where}: ${field} ${String(config[field])} could not be classified (${endpoint.reason}).`);
    }
  }
}

function checkExposure(checks: Checks, state: State): void {
  const exposures = findPublicExposure(state.objects);
  for (const exposure of exposures) {
    checks.evidence.push(`${exposure.object}: ${exposure.how}`);
    checks.problems.push(`${exposure.object} exposes MinIO (${exposure.how})`);
    checks.critical = true;
  }
  if (exposures.length) {
    remedy(checks, 'Make MinIO\'s Services ClusterIP (no NodePort/LoadBalancer/externalIPs) and remove Ingresses/HTTPRoutes that route to it; reach it over the LAN or a VPN, or restrict what must stay to the LAN at the ingress controller.');
  } else {
    checks.evidence.push(`No LoadBalancer/NodePort Service, Ingress or HTTPRoute exposes MinIO (${state.objects.services.length} Services, ${state.objects.ingresses.length} Ingresses, ${state.objects.httpRoutes.length} HTTPRoutes in the input)`);
  }
}

function checkBucket(checks: Checks, bucket: BucketState): void {
  if (bucket.anonymous.length === 0) checks.warnings.push('No anonymous probes were recorded: the bucket\'s anonymous access was not verified.');
  for (const probe of bucket.anonymous) {
    const what = `${PROBE_TEXT[probe.name]} (GET ${probe.path})`;
    if (probe.status === undefined) {
      checks.warnings.push(`${what}: no answer (${probe.error ?? 'unknown'}) — not verified from this vantage point.`);
      continue;
    }
    checks.evidence.push(`${what}: HTTP ${probe.status}${probe.code ? ` ${probe.code}` : ''}`);
    if (probe.status === 403) continue;
    const readable = probe.status >= 200 && probe.status < 300;
    checks.problems.push(
      readable
        ? `${what} succeeded (HTTP ${probe.status}): anyone who reaches the endpoint can read it without credentials`
        : `${what} answered HTTP ${probe.status}${probe.code ? ` ${probe.code}` : ''} instead of 403: the request was not refused as anonymous`,
    );
    if (readable) checks.critical = true;
    remedy(checks, `Remove anonymous access: \`mc anonymous set none ALIAS/${bucket.bucket}\` (and for every prefix \`mc anonymous list ALIAS/${bucket.bucket}\` shows).`);
  }
  const policy = bucket.policy;
  if (!policy) checks.warnings.push('The bucket policy was not read.');
  else if (policy.error) checks.warnings.push(`The bucket policy could not be read (${policy.error.code ?? policy.error.message}): not verified.`);
  else if (!policy.present) checks.evidence.push('Bucket policy: none (NoSuchBucketPolicy)');
  else {
    const open = publicAllowStatements(policy.document);
    checks.evidence.push(`Bucket policy: ${open.length} Allow statement(s) for Principal "*"`);
    for (const statement of open) {
      const text = `Bucket policy allows Principal "*" ${statement.actions.join(', ')} on ${statement.resources.join(', ') || '(no resource)'}`;
      if (statement.conditional) checks.warnings.push(`${text} under a Condition (e.g. aws:SourceIp): check that it cannot match the internet.`);
      else {
        checks.problems.push(text);
        remedy(checks, `Remove the anonymous statements from the bucket policy: \`mc anonymous set none ALIAS/${bucket.bucket}\`, or \`mc anonymous set-json\` with a policy without Principal "*".`);
      }
    }
  }
}

/** "endpoint and cluster checked; bucket not verified" — what this input let the judge check. */
function scopeText(checked: string[], notVerified: string[]): string {
  const list = (parts: string[]) => (parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0]);
  return `${list(checked)} checked${notVerified.length ? `; ${list(notVerified)} not verified` : ''}`;
}

export const judgeLanOnly: Judge = ({ state, plan, target }): Finding => {
  const checks = newChecks();
  const endpointPlanned = expects(plan, 's3Url');
  const locations = inNamespace(state.objects.backupStorageLocations, plan.namespace);
  // Without a location the endpoint is not shown: judging the plan's own s3Url, or failing the
  // missing location here, would judge what the input does not show (must.s3-target fails the
  // missing location itself).
  if (locations.length === 0) checks.warnings.push(`No BackupStorageLocation is in namespace ${plan.namespace}: the S3 endpoint is not shown.`);
  for (const bsl of locations) (endpointPlanned ? checkLocation : checkLocationAnyInstall)(checks, bsl);
  checkExposure(checks, state);

  const bucketChecked = !!state.bucket && !state.bucket.unreadable;
  if (bucketChecked) checkBucket(checks, state.bucket!);
  else if (!objectsAreRepositoryFiles(state)) {
    // Files in a repository never show the bucket, so there is nothing to ask for; elsewhere the
    // target only picks the hint (capture it, or give the audit S3 credentials).
    checks.warnings.push(`The bucket part (anonymous access, bucket policy) was not verified: ${bucketUnavailableReason(state, target)}`);
  }

  const from = provenance(state);
  const extra = { expected: endpointPlanned ? EXPECTED : EXPECTED_ANY, warnings: checks.warnings.length ? [...checks.warnings] : undefined, critical: checks.critical || undefined };
  if (checks.problems.length) {
    const [first, ...more] = checks.problems;
    return fail(ID, `MinIO is not kept LAN-only${from}: ${first}${more.length ? ` (+${more.length} more)` : ''}`, [...checks.evidence, ...checks.problems.map((problem) => `Problem: ${problem}`)], checks.remediation.join(' '), extra);
  }
  const scope = scopeText(
    [...(locations.length ? ['endpoint'] : []), 'cluster', ...(bucketChecked ? ['bucket'] : [])],
    [...(locations.length ? [] : ['endpoint']), ...(bucketChecked ? [] : ['bucket'])],
  );
  if (locations.length === 0 && state.objects.services.length + state.objects.ingresses.length + state.objects.httpRoutes.length === 0 && !bucketChecked) {
    return { ...skip(ID, `Not shown${from}: the input holds no BackupStorageLocation, no Services, Ingresses or HTTPRoutes and no bucket read.`, checks.evidence), ...extra };
  }
  if (!endpointPlanned) return pass(ID, `No self-hosted object store is exposed${from}: every storage location is a cloud store, an in-cluster or LAN address, or not shown, and nothing publishes MinIO (${scope})`, checks.evidence, extra);
  return pass(ID, `MinIO is kept on the LAN${from} (${scope})`, checks.evidence, extra);
};
