/**
 * guard.k8s-secrets, manifests — plan: "Do NOT use existing `hosts-secrets.enc.yaml` directly
 * (must use `k8s-secrets.enc.yaml`)".
 *
 * Rendered objects:
 * - the velero Deployment (and the node-agent DaemonSet, which uploads volume data) reads its
 *   credentials from the plan's Secret and key: the chart mounts the Secret as volume
 *   `cloud-credentials` at `/credentials` and sets `AWS_SHARED_CREDENTIALS_FILE=/credentials/cloud`
 *   (docs/velero-facts.md §5), or the BSL names it in `spec.credential`;
 * - that Secret is not in the rendered output in plaintext (data/stringData committed to git):
 *   a SOPS-encrypted Secret is fine and is checked by its key names only; no other plaintext
 *   Secret carries an AWS credentials file, and no container sets AWS keys as literal env values.
 * Repository (`--repo`):
 * - the credential source is the k8s secrets file: it exists, is SOPS-encrypted and holds the
 *   plan's source key names (`credentials.sourceKeys`);
 * - no Velero module references the hosts secrets file.
 * Secret values are never read into the State; evidence names keys, files and lines only.
 */
import { expects } from '../../plan.ts';
import type { KubeObject, SecretSummary } from '../../state.ts';
import { fail, pass, skip, type Finding, type JudgeContext } from '../types.ts';
import { nodeAgentDaemonSet, veleroDeployment } from '../facts/workloads.ts';
import { selectPlanBsl } from '../facts/plan-objects.ts';
import { provenance } from '../facts/manifests-input.ts';
import { newChecks, remedy, type Checks } from '../checks.ts';
import { podSpecOf, type EnvVar } from '../facts/workloads.ts';

const ID = 'guard.k8s-secrets' as const;

interface CredentialSource {
  secret: string;
  key: string;
  how: string;
}

interface Container {
  name: string;
  env?: EnvVar[];
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  envFrom?: Array<{ secretRef?: { name?: string } }>;
}

/** The Secret and key a workload's AWS credentials file comes from, via the mounted file. */
function fileCredentialSource(workload: KubeObject, containerName: string): CredentialSource | undefined {
  const spec = podSpecOf(workload);
  const containers = (spec.containers ?? []) as Container[];
  const container = containers.find((c) => c.name === containerName) ?? containers[0];
  const fileVar = (container?.env ?? []).find((e) => e.name === 'AWS_SHARED_CREDENTIALS_FILE');
  if (!container || typeof fileVar?.value !== 'string') return undefined;
  const filePath = fileVar.value;
  const volumes = (spec.volumes ?? []) as Array<{ name: string; secret?: { secretName?: string; items?: Array<{ key: string; path: string }> } }>;
  for (const mount of container.volumeMounts ?? []) {
    const dir = mount.mountPath.replace(/\/+$/, '');
    if (!filePath.startsWith(`${dir}/`)) continue;
    const volume = volumes.find((v) => v.name === mount.name);
    if (!volume?.secret?.secretName) continue;
    const fileName = filePath.slice(dir.length + 1);
    const item = volume.secret.items?.find((i) => i.path === fileName);
    return {
      secret: volume.secret.secretName,
      key: item ? item.key : fileName,
      how: `${workload.kind} ${workload.metadata.name}: volume ${volume.name} (Secret ${volume.secret.secretName}) at ${dir}, AWS_SHARED_CREDENTIALS_FILE=${filePath}`,
    };
  }
  return undefined;
}

/** Literal AWS keys in env (not valueFrom): plaintext credentials in the manifests. */
function literalKeyEnv(workload: KubeObject): string[] {
  const spec = podSpecOf(workload);
  const containers = [...((spec.containers ?? []) as Container[]), ...((spec.initContainers ?? []) as Container[])];
  const found: string[] = [];
  for (const container of containers) {
    for (const env of container.env ?? []) {
      if (['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].includes(env.name) && typeof env.value === 'string' && env.value !== '') {
        found.push(`${workload.kind} ${workload.metadata.name}, container ${container.name}: env ${env.name} has a literal value`);
      }
    }
  }
  return found;
}

function checkWorkloadCredentials(checks: Checks, context: JudgeContext): CredentialSource | undefined {
  const { state, plan } = context;
  const deployment = veleroDeployment(state, plan);
  const wanted = { secret: plan.credentials.secretName, key: plan.credentials.key };
  const planned = expects(plan, 'credentialsSecret');
  if (!deployment) {
    checks.problems.push(`no Deployment velero is rendered in namespace ${plan.namespace}`);
    remedy(checks, 'Render the Velero chart with `credentials.useSecret: true` and `credentials.existingSecret: ' + wanted.secret + '`.');
    return undefined;
  }
  const bsl = selectPlanBsl(state, plan).object;
  const bslCredential = bsl?.spec?.credential as { name?: string; key?: string } | undefined;
  let effective: CredentialSource | undefined;
  if (bslCredential?.name) {
    effective = { secret: bslCredential.name, key: bslCredential.key ?? '', how: `BackupStorageLocation ${bsl!.metadata.name}: spec.credential ${bslCredential.name}/${bslCredential.key ?? '(no key)'}` };
  } else {
    effective = fileCredentialSource(deployment, 'velero');
  }
  if (!effective && !planned) {
    // Credentials can come from a workload identity, env from another Secret, or a location
    // managed outside the chart: without the plan's Secret this input does not show which.
    checks.evidence.push('Deployment velero: no Secret-backed AWS_SHARED_CREDENTIALS_FILE and no BSL spec.credential in this input');
    checks.warnings.push('Where Velero gets its object-store credentials is not shown by these values (no credentials Secret is mounted and no location names spec.credential).');
    return undefined;
  }
  if (!effective) {
    checks.problems.push('the velero Deployment mounts no credentials Secret (no AWS_SHARED_CREDENTIALS_FILE backed by a Secret volume) and the BSL names no spec.credential');
    checks.evidence.push('Deployment velero: no Secret-backed AWS_SHARED_CREDENTIALS_FILE');
    remedy(checks, `Set \`credentials.useSecret: true\` and \`credentials.existingSecret: ${wanted.secret}\` in the Velero Helm values.`);
    return undefined;
  }
  checks.evidence.push(`Credentials: ${effective.how}`);
  if (planned && (effective.secret !== wanted.secret || effective.key !== wanted.key)) {
    checks.problems.push(`Velero reads credentials from Secret ${effective.secret} key ${effective.key || '(none)'}, the plan says Secret ${wanted.secret} key ${wanted.key}`);
    remedy(checks, `Point Velero at Secret ${wanted.secret} (key ${wanted.key}): \`credentials.existingSecret: ${wanted.secret}\`.`);
  }
  const nodeAgent = nodeAgentDaemonSet(state, plan);
  if (nodeAgent && !bslCredential?.name) {
    const agentSource = fileCredentialSource(nodeAgent, 'node-agent');
    checks.evidence.push(`Credentials: ${agentSource?.how ?? 'DaemonSet node-agent: no Secret-backed AWS_SHARED_CREDENTIALS_FILE'}`);
    if (!agentSource) {
      checks.problems.push('the node-agent DaemonSet mounts no credentials Secret, so Kopia uploads from the nodes cannot authenticate');
      remedy(checks, 'Keep `credentials.useSecret: true`: the chart mounts the Secret into the node agent too.');
    } else if (agentSource.secret !== effective.secret) {
      checks.problems.push(`the node agent reads Secret ${agentSource.secret}, the server reads ${effective.secret}`);
      remedy(checks, 'Mount the same credentials Secret into the velero Deployment and the node-agent DaemonSet.');
    }
  }
  for (const workload of [deployment, nodeAgent].filter((w): w is KubeObject => w !== undefined)) {
    for (const line of literalKeyEnv(workload)) {
      checks.problems.push(line);
      checks.critical = true;
      remedy(checks, 'Never put AWS keys in env values: use the credentials Secret (key cloud) from the SOPS-encrypted k8s secrets.');
    }
  }
  return effective;
}

function keysText(secret: SecretSummary): string {
  return secret.keys.length ? secret.keys.join(', ') : '(no keys)';
}

function checkRenderedSecrets(checks: Checks, context: JudgeContext, source: CredentialSource | undefined): void {
  const { state, plan } = context;
  const secretName = source?.secret ?? plan.credentials.secretName;
  const key = source?.key || plan.credentials.key;
  const secrets = state.objects.secrets.filter((s) => (s.namespace ?? plan.namespace) === plan.namespace);
  const planSecret = secrets.find((s) => s.name === secretName);
  if (!planSecret) {
    checks.evidence.push(`Secret ${plan.namespace}/${secretName}: not in the rendered output`);
    checks.warnings.push(
      expects(plan, 'secretSource')
        ? `Secret ${secretName} is not part of the rendered manifests: make sure the cluster gets it from the SOPS-encrypted ${plan.credentials.k8sSecretsFile} (a Velero pod cannot start without it).`
        : `Secret ${secretName} is not part of this input: it must reach the cluster some other way (an encrypted Secret in the repository, an external secret store); a Velero pod cannot start without it.`,
    );
  } else if (planSecret.sopsEncrypted) {
    checks.evidence.push(`Secret ${plan.namespace}/${secretName}: SOPS-encrypted, keys ${keysText(planSecret)}`);
    if (!planSecret.keys.includes(key)) {
      checks.problems.push(`the SOPS-encrypted Secret ${secretName} has no key ${key} (keys: ${keysText(planSecret)})`);
      remedy(checks, `Store the AWS credentials file under key ${key} in Secret ${secretName} (docs/velero-facts.md §6).`);
    }
  } else if (planSecret.hasPlaintextValues) {
    checks.evidence.push(`Secret ${plan.namespace}/${secretName}: plaintext data/stringData, keys ${keysText(planSecret)} (values not shown)`);
    checks.problems.push(`Secret ${secretName} is rendered in plaintext: its credentials are committed to git`);
    checks.critical = true;
    remedy(checks, `Render Secret ${secretName} SOPS-encrypted from ${plan.credentials.k8sSecretsFile} (kubenix .enc.nix module), rotate the leaked MinIO keys, and remove the plaintext from the git history.`);
  } else if (!expects(plan, 'credentialsSecret')) {
    checks.evidence.push(`Secret ${plan.namespace}/${secretName}: rendered without data`);
    checks.warnings.push(
      `The chart renders Secret ${secretName} without keys (credentials.useSecret with no secretContents and no existingSecret): the credentials must be supplied at install time (e.g. helm --set-file credentials.secretContents.cloud=…) — not shown here; otherwise Velero finds no ${key} file.`,
    );
  } else {
    checks.evidence.push(`Secret ${plan.namespace}/${secretName}: rendered without data`);
    checks.problems.push(`Secret ${secretName} is rendered empty (no ${key} key)`);
    remedy(checks, `Fill Secret ${secretName} key ${key} from ${plan.credentials.k8sSecretsFile}.`);
  }
  for (const other of secrets) {
    if (other === planSecret || !other.hasPlaintextValues || !other.credentialFiles) continue;
    checks.evidence.push(`Secret ${plan.namespace}/${other.name}: plaintext AWS credentials file under ${Object.keys(other.credentialFiles).join(', ')} (values not shown)`);
    checks.problems.push(`Secret ${other.name} holds an AWS credentials file in plaintext`);
    checks.critical = true;
    remedy(checks, 'Do not put credentials in `credentials.secretContents` or any plaintext Secret: use `credentials.existingSecret` with the SOPS-encrypted Secret, and rotate the leaked keys.');
  }
}

function checkRepository(checks: Checks, context: JudgeContext): void {
  const { state, plan } = context;
  const repo = state.manifests?.repo;
  if (!expects(plan, 'secretSource')) {
    checks.evidence.push('Secret source: not checked (expect.secretSource is off)');
    return;
  }
  if (!repo) {
    checks.warnings.push(`Without --repo the audit cannot check that the credentials come from ${plan.credentials.k8sSecretsFile} and not from ${plan.credentials.hostsSecretsFile}.`);
    return;
  }
  const k8s = repo.k8sSecretsFile;
  const { accessKeyId, secretAccessKey } = plan.credentials.sourceKeys;
  if (!k8s.exists) {
    checks.problems.push(`${k8s.path} does not exist in the repository`);
    remedy(checks, `Add the MinIO keys to ${k8s.path} with \`sops\` (plan task 1: "make secrets").`);
  } else if (k8s.problem) {
    checks.problems.push(`${k8s.path} ${k8s.problem}`);
    remedy(checks, `Make ${k8s.path} a SOPS-encrypted YAML file.`);
  } else {
    checks.evidence.push(`${k8s.path}: ${k8s.sopsEncrypted ? 'SOPS-encrypted' : 'NOT encrypted'}, ${k8s.keys.length} key name(s)`);
    if (!k8s.sopsEncrypted) {
      checks.problems.push(`${k8s.path} is not SOPS-encrypted`);
      checks.critical = true;
      remedy(checks, `Encrypt ${k8s.path} with sops (\`sops -e -i ${k8s.path}\`) and rotate every key it held.`);
    }
    const hasKey = (name: string) => k8s.keys.some((key) => key === name || key.endsWith(`.${name}`));
    const missing = [accessKeyId, secretAccessKey].filter((name) => !hasKey(name));
    checks.evidence.push(`${k8s.path}: ${accessKeyId} ${hasKey(accessKeyId) ? 'present' : 'missing'}, ${secretAccessKey} ${hasKey(secretAccessKey) ? 'present' : 'missing'}`);
    if (missing.length) {
      checks.problems.push(`${k8s.path} lacks ${missing.join(' and ')}`);
      remedy(checks, `Run \`make secrets\` and add ${missing.join(' and ')} to ${k8s.path} (values matching the Pi's MinIO user).`);
    }
  }
  const veleroRefs = repo.hostsSecretsReferences.filter((ref) => ref.veleroRelated);
  const otherRefs = repo.hostsSecretsReferences.filter((ref) => !ref.veleroRelated);
  for (const ref of veleroRefs) checks.evidence.push(`${ref.file}:${ref.line} references ${plan.credentials.hostsSecretsFile} (a Velero module)`);
  if (otherRefs.length) checks.evidence.push(`${plan.credentials.hostsSecretsFile} is referenced outside the Velero modules (not judged): ${otherRefs.slice(0, 5).map((r) => `${r.file}:${r.line}`).join(', ')}`);
  if (veleroRefs.length) {
    checks.problems.push(`a Velero module uses ${plan.credentials.hostsSecretsFile} directly (${veleroRefs.map((r) => `${r.file}:${r.line}`).join(', ')})`);
    remedy(checks, `Take the MinIO keys from ${plan.credentials.k8sSecretsFile} (kubenix.lib.secretsFor) instead of ${plan.credentials.hostsSecretsFile} in the Velero modules.`);
  } else {
    checks.evidence.push(`No Velero module references ${plan.credentials.hostsSecretsFile} (${repo.scannedFiles} text files scanned${repo.truncated ? ', scan truncated' : ''})`);
  }
  const keyRefs = repo.sourceKeyReferences.filter((ref) => ref.veleroRelated);
  if (keyRefs.length) checks.evidence.push(`Source keys used by: ${[...new Set(keyRefs.map((r) => r.file))].join(', ')}`);
  else checks.warnings.push(`No Velero module names ${accessKeyId} / ${secretAccessKey}: check how Secret ${plan.credentials.secretName} is filled (an encrypted .enc.nix module cannot be read).`);
  if (repo.truncated) checks.warnings.push('The repository scan stopped at its size budget: some references may be missing.');
}

function judge(context: JudgeContext): Finding {
  const { state, plan } = context;
  const checks = newChecks();
  const source = checkWorkloadCredentials(checks, context);
  checkRenderedSecrets(checks, context, source);
  checkRepository(checks, context);
  const expected =
    `Plan: "Do NOT use existing \`${plan.credentials.hostsSecretsFile.split('/').pop()}\` directly (must use \`${plan.credentials.k8sSecretsFile.split('/').pop()}\`)" — ` +
    `Velero reads Secret ${plan.credentials.secretName} key ${plan.credentials.key}, which is never rendered in plaintext and is filled from ${plan.credentials.k8sSecretsFile}.`;
  const from = provenance(state);
  const extra = { expected, warnings: checks.warnings.length ? checks.warnings : undefined, critical: checks.critical || undefined };
  if (checks.problems.length) {
    return fail(ID, `The credentials guardrail is broken${from}: ${checks.problems.join('; ')}.`, checks.evidence, checks.remediation.join(' '), extra);
  }
  if (!source) return { ...skip(ID, `Not shown${from}: the input does not show where Velero's credentials come from, and no plaintext credentials are rendered.`, checks.evidence), warnings: extra.warnings };
  return pass(ID, `Velero reads Secret ${source.secret} key ${source.key}, which is not rendered in plaintext${state.manifests?.repo ? ` and comes from ${plan.credentials.k8sSecretsFile}` : ''}${from}.`, checks.evidence, extra);
}

export const judgeK8sSecretsManifests = judge;

