/**
 * guard.lan-only, live — plan: "Do NOT expose MinIO publicly (keep LAN only)."
 *
 * docs/retention-and-exposure.md §5 (rules E1, E2, E4):
 * - the BSL `s3Url` host is loopback/private (RFC 1918, ULA, link-local, `.lan`/`.local`/
 *   `.home.arpa`, single-label); `publicUrl` is unset or private (exposure.ts `classifyHost`);
 * - no Service of type LoadBalancer/NodePort, no Ingress or HTTPRoute exposes MinIO (exposure.ts);
 * - from the bucket read: every unsigned probe answered 403 (MinIO checks anonymous requests only
 *   against the bucket policy), and the bucket policy has no Allow for Principal "*".
 * Without a bucket read, the cluster parts are judged and the bucket part is reported as not verified.
 */
import type { AnonymousProbe, BucketState } from '../bucket/types.ts';
import { classifyHost, findPublicExposure, isLanScope } from './exposure.ts';
import { bucketUnavailableReason } from './dod-data-in-bucket.ts';
import { fail, pass, type Finding, type Judge, details } from './types.ts';
import { selectPlanBsl } from './facts/plan-objects.ts';

const ID = 'guard.lan-only' as const;
const EXPECTED =
  'Plan: "Do NOT expose MinIO publicly (keep LAN only)." — the S3 endpoint is a LAN address, nothing in the cluster publishes MinIO, anonymous S3 requests get 403 and no bucket policy allows Principal "*".';

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
export function principalIsEveryone(principal: unknown): boolean {
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

interface Verdict {
  evidence: string[];
  problems: string[];
  warnings: string[];
  critical: boolean;
  remediations: Set<string>;
}

function judgeBucket(bucket: BucketState, verdict: Verdict): void {
  if (bucket.anonymous.length === 0) verdict.warnings.push('No anonymous probes were recorded: the bucket\'s anonymous access was not verified.');
  for (const probe of bucket.anonymous) {
    const what = `${PROBE_TEXT[probe.name]} (GET ${probe.path})`;
    if (probe.status === undefined) {
      verdict.warnings.push(`${what}: no answer (${probe.error ?? 'unknown'}) — not verified from this vantage point.`);
      continue;
    }
    verdict.evidence.push(`${what}: HTTP ${probe.status}${probe.code ? ` ${probe.code}` : ''}`);
    if (probe.status !== 403) {
      const readable = probe.status >= 200 && probe.status < 300;
      verdict.problems.push(
        readable
          ? `${what} succeeded (HTTP ${probe.status}): anyone who reaches the endpoint can read it without credentials.`
          : `${what} answered HTTP ${probe.status}${probe.code ? ` ${probe.code}` : ''} instead of 403: the request was not refused as anonymous.`,
      );
      if (readable) verdict.critical = true;
      verdict.remediations.add(`Remove anonymous access: \`mc anonymous set none ALIAS/${bucket.bucket}\` (and for every prefix \`mc anonymous list ALIAS/${bucket.bucket}\` shows).`);
    }
  }
  const policy = bucket.policy;
  if (!policy) verdict.warnings.push('The bucket policy was not read.');
  else if (policy.error) verdict.warnings.push(`The bucket policy could not be read (${policy.error.code ?? policy.error.message}): not verified.`);
  else if (!policy.present) verdict.evidence.push('Bucket policy: none (NoSuchBucketPolicy)');
  else {
    const open = publicAllowStatements(policy.document);
    verdict.evidence.push(`Bucket policy: ${open.length} Allow statement(s) for Principal "*"`);
    for (const statement of open) {
      const text = `Bucket policy allows Principal "*" ${statement.actions.join(', ')} on ${statement.resources.join(', ') || '(no resource)'}`;
      if (statement.conditional) verdict.warnings.push(`${text} under a Condition (e.g. aws:SourceIp): check that it cannot match the internet.`);
      else {
        verdict.problems.push(`${text}.`);
        verdict.remediations.add(`Remove the anonymous statements from the bucket policy: \`mc anonymous set none ALIAS/${bucket.bucket}\`, or \`mc anonymous set-json\` with a policy without Principal "*".`);
      }
    }
  }
}

export const judgeLanOnlyLive: Judge = (context): Finding => {
  const { state, plan, target } = context;
  const verdict: Verdict = { evidence: [], problems: [], warnings: [], critical: false, remediations: new Set() };

  const selected = selectPlanBsl(state, plan);
  const bsl = selected.object;
  const config = (bsl?.spec?.config ?? {}) as Record<string, string>;
  const s3Url = bsl ? config.s3Url : plan.storage.s3Url;
  const source = bsl ? `BackupStorageLocation ${bsl.metadata.name} spec.config.s3Url` : 'plan storage.s3Url (no BackupStorageLocation found)';
  if (!s3Url) verdict.problems.push(`${source} is not set: Velero would talk to AWS S3, not the LAN MinIO.`);
  else {
    const host = classifyHost(s3Url);
    verdict.evidence.push(`${source} = ${s3Url}: ${host.reason}`);
    if (!isLanScope(host.scope)) {
      verdict.problems.push(`${source} ${s3Url} is not a LAN endpoint: ${host.reason}.`);
      verdict.remediations.add('Point s3Url at MinIO\'s LAN address (e.g. http://10.10.10.209:9000) and keep MinIO off public addresses.');
    }
  }
  const publicUrl = config.publicUrl;
  if (publicUrl) {
    const host = classifyHost(publicUrl);
    verdict.evidence.push(`BackupStorageLocation spec.config.publicUrl = ${publicUrl}: ${host.reason}`);
    if (!isLanScope(host.scope)) {
      verdict.problems.push(`spec.config.publicUrl ${publicUrl} is a public endpoint: ${host.reason}.`);
      verdict.remediations.add('Remove spec.config.publicUrl (or point it at a LAN name): pre-signed download URLs then stay on the LAN.');
    }
  } else if (bsl) verdict.evidence.push('BackupStorageLocation spec.config.publicUrl: unset');
  if (selected.note) verdict.warnings.push(selected.note);

  const exposures = findPublicExposure(state.objects);
  const checked = `${state.objects.services.length} Service(s), ${state.objects.ingresses.length} Ingress(es), ${state.objects.httpRoutes.length} HTTPRoute(s)`;
  if (exposures.length === 0) verdict.evidence.push(`Cluster exposure: none of ${checked} publishes MinIO (LoadBalancer/NodePort/externalIPs, Ingress, HTTPRoute)`);
  for (const exposure of exposures) {
    verdict.problems.push(`${exposure.object} exposes MinIO: ${exposure.how}.`);
    verdict.remediations.add('Make MinIO\'s Services ClusterIP (or reach it on its LAN address directly) and remove Ingresses/HTTPRoutes that route to it; if one must stay, restrict it to the LAN at the ingress controller.');
  }

  const unavailable = bucketUnavailableReason(state, target);
  if (unavailable) verdict.warnings.push(`The bucket part (anonymous access, bucket policy) was not verified: ${unavailable}`);
  else judgeBucket(state.bucket!, verdict);

  const extra = { ...details(EXPECTED, verdict.warnings), critical: verdict.critical || undefined };
  if (verdict.problems.length === 0) {
    const scope = unavailable ? 'endpoint and cluster checked; bucket not verified' : 'endpoint, cluster and bucket checked';
    return pass(ID, `MinIO is kept on the LAN (${scope})`, verdict.evidence, extra);
  }
  return fail(
    ID,
    `MinIO is exposed: ${verdict.problems[0]}${verdict.problems.length > 1 ? ` (+${verdict.problems.length - 1} more)` : ''}`,
    [...verdict.evidence, ...verdict.problems.map((problem) => `Problem: ${problem}`)],
    [...verdict.remediations].join(' '),
    extra,
  );
};
