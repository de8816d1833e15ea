/**
 * guard.lan-only, manifests — plan: "Do NOT expose MinIO publicly (keep LAN only)".
 *
 * What rendered manifests can show (docs/retention-and-exposure.md §5.3, rule E4; Velero
 * `contributions/minio.md` names NodePort, Ingress and `publicUrl` as the ways MinIO leaks):
 * - every BackupStorageLocation's `s3Url` host is loopback or private (RFC 1918, link-local, ULA,
 *   `.local`/`.lan`/`.home.arpa`/`.internal`, single-label); an aws-provider BSL without `s3Url`
 *   talks to AWS S3 on the internet;
 * - `publicUrl` (pre-signed download URLs) is unset or private;
 * - no Service of type LoadBalancer/NodePort (or with externalIPs) and no Ingress/HTTPRoute
 *   exposes MinIO (`findPublicExposure`).
 * Anonymous access and bucket policies need the bucket: the live judge checks those.
 */
import type { KubeObject } from '../../state.ts';
import { expects } from '../../plan.ts';
import { classifyHost, classifyStorageEndpoint, findPublicExposure, isLanScope } from '../exposure.ts';
import { fail, pass, type Finding, type JudgeContext } from '../types.ts';
import { inNamespace } from '../facts/object-access.ts';
import { describeObject, provenance } from '../facts/manifests-input.ts';
import { newChecks, remedy, type Checks } from '../checks.ts';

const ID = 'guard.lan-only' as const;
const EXPECTED_ANY =
  'No self-hosted object store is reachable from outside: no public address or public DNS name as the BSL s3Url/publicUrl of a store that is not a cloud service, and no LoadBalancer, NodePort, Ingress or HTTPRoute publishing MinIO.';
const EXPECTED = 'Plan: "Do NOT expose MinIO publicly (keep LAN only)" — the BSL s3Url (and publicUrl) are LAN addresses, and no LoadBalancer, NodePort, Ingress or HTTPRoute exposes MinIO.';

function checkEndpoint(checks: Checks, where: string, field: string, url: string): void {
  const verdict = classifyHost(url);
  checks.evidence.push(`${where}: ${field} = ${url} → ${verdict.scope} (${verdict.reason})`);
  if (!isLanScope(verdict.scope)) {
    checks.problems.push(`${field} ${url} is not a LAN address (${verdict.reason})`);
    checks.critical = checks.critical || verdict.scope === 'public';
    remedy(checks, `Point ${field} at MinIO's LAN address (e.g. http://10.10.10.209:9000, or an internal name such as *.lan / *.home.arpa) and keep MinIO off the internet.`);
  }
}

/**
 * Without the plan's endpoint (`expect.s3Url: false`), only what holds for every install is
 * judged: a self-hosted store on a public address or public DNS name is exposure; a cloud object
 * store, an in-cluster Service name, a LAN address and a placeholder are not
 * (exposure.ts `classifyStorageEndpoint`).
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
      remedy(checks, `Reach the object store over the LAN, a VPN or an in-cluster Service (e.g. http://minio.<namespace>.svc:9000) rather than a public address, or put it behind access control you have verified.`);
    } else if (endpoint.kind === 'unknown') {
      checks.warnings.push(`${where}: ${field} ${String(config[field])} could not be classified (${endpoint.reason}).`);
    }
  }
}

function checkLocation(checks: Checks, bsl: KubeObject): void {
  const where = describeObject(bsl);
  const config = (bsl.spec?.config ?? {}) as Record<string, unknown>;
  const s3Url = config.s3Url;
  if (typeof s3Url === 'string' && s3Url.trim() !== '') checkEndpoint(checks, where, 'spec.config.s3Url', s3Url);
  else if (bsl.spec?.provider === 'aws') {
    checks.evidence.push(`${where}: spec.config.s3Url unset → the AWS plugin talks to AWS S3 on the internet`);
    checks.problems.push(`${bsl.metadata.name} has no s3Url, so it targets AWS S3 rather than the LAN MinIO`);
    remedy(checks, 'Set `config.s3Url` to the LAN MinIO endpoint.');
  } else {
    checks.evidence.push(`${where}: provider ${bsl.spec?.provider ?? '(unset)'}, no s3Url`);
  }
  const publicUrl = config.publicUrl;
  if (typeof publicUrl === 'string' && publicUrl.trim() !== '') checkEndpoint(checks, where, 'spec.config.publicUrl', publicUrl);
}

function judge(context: JudgeContext): Finding {
  const { state, plan } = context;
  const checks = newChecks();
  const locations = inNamespace(state.objects.backupStorageLocations, plan.namespace);
  if (locations.length === 0 && expects(plan, 's3Url')) {
    checks.problems.push('no BackupStorageLocation is rendered, so the endpoint cannot be checked');
    remedy(checks, 'Render the BackupStorageLocation (configuration.backupStorageLocation) with the LAN s3Url.');
  } else if (locations.length === 0) {
    checks.evidence.push('No BackupStorageLocation is configured: no endpoint to judge (not shown)');
  }
  const endpointPlanned = expects(plan, 's3Url');
  for (const bsl of locations) (endpointPlanned ? checkLocation : checkLocationAnyInstall)(checks, bsl);
  const exposures = findPublicExposure(state.objects);
  for (const exposure of exposures) {
    checks.evidence.push(`${exposure.object}: ${exposure.how}`);
    checks.problems.push(`${exposure.object} exposes MinIO (${exposure.how})`);
    checks.critical = true;
  }
  if (exposures.length) {
    remedy(checks, 'Make MinIO\'s Services ClusterIP (no NodePort/LoadBalancer/externalIPs) and remove Ingresses/HTTPRoutes that route to it; reach it over the LAN or a VPN.');
  } else {
    checks.evidence.push(`No LoadBalancer/NodePort Service, Ingress or HTTPRoute exposes MinIO (${state.objects.services.length} Services, ${state.objects.ingresses.length} Ingresses, ${state.objects.httpRoutes.length} HTTPRoutes rendered)`);
  }
  const from = provenance(state);
  const extra = { expected: endpointPlanned ? EXPECTED : EXPECTED_ANY, critical: checks.critical || undefined, warnings: checks.warnings.length ? checks.warnings : undefined };
  if (checks.problems.length) {
    return fail(ID, `MinIO is not kept LAN-only${from}: ${checks.problems.join('; ')}.`, checks.evidence, checks.remediation.join(' '), extra);
  }
  if (!endpointPlanned) return pass(ID, `No self-hosted object store is exposed${from}: every storage location is a cloud store, an in-cluster or LAN address, or not shown, and nothing rendered publishes MinIO.`, checks.evidence, extra);
  return pass(ID, `The S3 endpoint is on the LAN and nothing rendered exposes MinIO${from}.`, checks.evidence, extra);
}

export const judgeLanOnlyManifests = judge;
