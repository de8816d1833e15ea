/**
 * guard.k8s-secrets — plan: "Do NOT use existing `hosts-secrets.enc.yaml` directly (must use
 * `k8s-secrets.enc.yaml`)"; task 2: Secret `velero-s3-credentials`, key `cloud` mapped to an AWS
 * credentials file. One judge for every target; it reads these facts when the State has them:
 *
 * - where Velero reads its S3 credentials: a BSL's `spec.credential` (docs/velero-facts.md §3), or
 *   the Secret volume mounted at the directory of `AWS_SHARED_CREDENTIALS_FILE` — the chart mounts
 *   `cloud-credentials` at /credentials in the server and the node agent (docs/velero-facts.md §5,
 *   "The node agent's credentials");
 * - that Secret: its key (an AWS credentials file with both keys, docs/velero-facts.md §6; a
 *   SOPS-encrypted Secret by its key names only); no literal AWS keys in a container's env;
 * - facts only files kept in a repository have (`state.manifests`): a Secret there with plain
 *   data/stringData is committed to git; the repository's k8s secrets file (exists, is
 *   SOPS-encrypted, holds the plan's source key names) and references to the hosts secrets file.
 * Only SecretSummary facts and key names are read: no value ever reaches a finding.
 */
import { expects, type BackupPlan } from '../plan.ts';
import type { KubeObject, SecretSummary, State } from '../state.ts';
import { fail, pass, skip, type Judge } from './types.ts';
import { failIfVeleroAbsent, nodeAgentDaemonSet, podSpecOf, veleroDeployment, veleroServerContainer, type EnvVar } from './facts/workloads.ts';
import { findSecret, readGapFor } from './facts/object-access.ts';
import { selectPlanBsl } from './facts/plan-objects.ts';
import { objectsAreRepositoryFiles, provenance } from './facts/manifests-input.ts';
import { newChecks, remedy, type Checks } from './checks.ts';
import { isPasted } from './facts/listing.ts';

/**
 * The Secret is a file with its values in it (never stored by an API server): rendered manifests,
 * values, a directory of YAML. A paste is not: people trim `metadata` when they paste (`kubectl
 * neat`), so a pasted Secret without uid shows nothing about where its values live.
 */
function isSecretFile(state: State, secret: SecretSummary): boolean {
  return !!secret.neverStored && !isPasted(state);
}

const ID = 'guard.k8s-secrets' as const;
const CREDENTIALS_ENV = 'AWS_SHARED_CREDENTIALS_FILE';
const LITERAL_KEY_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

/** A Secret key a workload reads credentials from, and how. */
export interface CredentialSource {
  secretName: string;
  key: string;
  via: string;
}

interface Container {
  name: string;
  env?: EnvVar[];
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

/**
 * Where a pod template's container reads the AWS credentials file from: the Secret volume
 * mounted at the directory of AWS_SHARED_CREDENTIALS_FILE (honouring `items` remapping).
 */
export function credentialsFileSource(podSpec: any, container: any): CredentialSource | undefined {
  const file: unknown = (container?.env ?? []).find((variable: { name: string }) => variable.name === CREDENTIALS_ENV)?.value;
  if (typeof file !== 'string') return undefined;
  for (const mount of (container?.volumeMounts ?? []) as Array<{ name: string; mountPath: string }>) {
    const directory = mount.mountPath.replace(/\/+$/, '');
    if (!file.startsWith(`${directory}/`)) continue;
    const volume = (podSpec?.volumes ?? []).find((candidate: { name: string }) => candidate.name === mount.name);
    if (!volume?.secret?.secretName) continue;
    const relative = file.slice(directory.length + 1);
    const mapped = (volume.secret.items ?? []).find((item: { path: string }) => item.path === relative)?.key;
    return { secretName: volume.secret.secretName, key: mapped ?? relative, via: `${CREDENTIALS_ENV}=${file} (volume ${mount.name} → Secret ${volume.secret.secretName})` };
  }
  return undefined;
}

function workloadSource(workload: KubeObject | undefined, containerName?: string): CredentialSource | undefined {
  if (!workload) return undefined;
  const podSpec = podSpecOf(workload);
  const containers = (podSpec.containers ?? []) as Container[];
  const container = containerName ? containers.find((candidate) => candidate.name === containerName) ?? containers[0] : veleroServerContainer(workload);
  return credentialsFileSource(podSpec, container);
}

/** Literal AWS keys in env (not valueFrom): plaintext credentials in the workload's spec. Names only. */
function literalKeyEnv(workload: KubeObject): string[] {
  const spec = podSpecOf(workload);
  const containers = [...((spec.containers ?? []) as Container[]), ...((spec.initContainers ?? []) as Container[])];
  return containers.flatMap((container) =>
    (container.env ?? [])
      .filter((env) => LITERAL_KEY_ENV.includes(env.name) && typeof env.value === 'string' && env.value !== '')
      .map((env) => `${workload.kind} ${workload.metadata.name}, container ${container.name}: env ${env.name} has a literal value`),
  );
}

function keysText(secret: SecretSummary): string {
  return secret.keys.length ? secret.keys.join(', ') : 'none';
}

function describeSecret(secret: SecretSummary, key: string): string {
  if (secret.sopsEncrypted) return `Secret ${secret.name}: SOPS-encrypted, keys [${secret.keys.join(', ')}] (values not readable)`;
  const file = secret.credentialFiles?.[key];
  const fileText = file
    ? `key ${key}: ${file.parsed ? `AWS credentials file, profiles [${file.profiles.join(', ')}], aws_access_key_id ${file.hasAccessKeyId ? 'present' : 'MISSING'}, aws_secret_access_key ${file.hasSecretAccessKey ? 'present' : 'MISSING'}` : `not an AWS credentials file (${file.problem ?? 'unparsed'})`}`
    : `key ${key}: ${secret.keys.includes(key) ? 'present but not recognised as an AWS credentials file' : 'absent'}`;
  return `Secret ${secret.name}: keys [${secret.keys.join(', ')}]; ${fileText}`;
}

/** What is wrong with the key Velero reads, from the facts the Secret shows. */
function keyProblems(secret: SecretSummary, source: CredentialSource, profile: string, warnings: string[]): string[] {
  if (!secret.keys.includes(source.key)) return [`Secret ${source.secretName} has no key "${source.key}" (keys: ${keysText(secret)})`];
  if (secret.sopsEncrypted) return []; // encrypted values are never decrypted: key names only
  const file = secret.credentialFiles?.[source.key];
  if (!file) return [`key "${source.key}" of Secret ${source.secretName} is not an AWS credentials file`];
  if (!file.parsed) return [`key "${source.key}" of Secret ${source.secretName} is not an AWS credentials file: ${file.problem ?? 'unparsed'}`];
  if (profile !== 'default') {
    if (!file.profiles.includes(profile)) return [`the credentials file has no [${profile}] profile (BSL config.profile)`];
    warnings.push(`The BSL uses profile [${profile}]; only the [default] profile's keys were checked.`);
    return [];
  }
  const missing = [!file.hasAccessKeyId && 'aws_access_key_id', !file.hasSecretAccessKey && 'aws_secret_access_key'].filter(Boolean);
  return missing.length ? [`the [default] profile in key "${source.key}" lacks ${missing.join(' and ')}`] : [];
}

function secretRemedy(plan: BackupPlan, secretName: string, key: string): string {
  return `Create/fix Secret ${secretName} in namespace ${plan.namespace} from ${plan.credentials.k8sSecretsFile} (kubenix velero-config.enc.nix): key "${key}" must hold "[default]\\naws_access_key_id=<${plan.credentials.sourceKeys.accessKeyId}>\\naws_secret_access_key=<${plan.credentials.sourceKeys.secretAccessKey}>"; in the Helm values set credentials.useSecret: true and credentials.existingSecret: ${secretName}; check with kubectl -n ${plan.namespace} get secret ${secretName} -o jsonpath='{.data}' | jq 'keys'.`;
}

interface Sources {
  /** What Velero reads for the plan's location: spec.credential, else the server's mounted file. */
  effective?: CredentialSource;
  /** The Secret and key the item holds Velero to: the plan's, or — expectation off — what Velero reads. */
  wanted?: CredentialSource;
  bsl?: KubeObject;
}

/** Where the server (and, for Kopia uploads, the node agent) reads the credentials from. */
function checkWorkloads(checks: Checks, state: State, plan: BackupPlan): Sources {
  const deployment = veleroDeployment(state, plan);
  const bsl = selectPlanBsl(state, plan).object;
  const serverSource = workloadSource(deployment);
  const credential = bsl?.spec?.credential as { name?: string; key?: string } | undefined;
  const bslCredential: CredentialSource | undefined = credential?.name
    ? { secretName: credential.name, key: credential.key ?? '', via: `BackupStorageLocation ${bsl!.metadata.name} spec.credential` }
    : undefined;
  const effective = bslCredential ?? serverSource;
  const planned = expects(plan, 'credentialsSecret');
  const wanted = planned ? { secretName: plan.credentials.secretName, key: plan.credentials.key, via: 'plan credentials.secretName / credentials.key' } : effective;
  checks.evidence.push(`velero Deployment reads credentials from: ${serverSource ? `Secret ${serverSource.secretName} key ${serverSource.key} via ${serverSource.via}` : deployment ? `no Secret mounted via ${CREDENTIALS_ENV}` : '(no velero Deployment in this input)'}`);
  if (bslCredential) checks.evidence.push(`${bslCredential.via}: Secret ${bslCredential.secretName} key ${bslCredential.key || '(no key)'}`);

  const remedyExisting = `Point Velero at Secret ${plan.credentials.secretName} (key ${plan.credentials.key}): in the Helm values set credentials.useSecret: true and credentials.existingSecret: ${plan.credentials.secretName}.`;
  const matches = (source: CredentialSource | undefined) => !!source && !!wanted && source.secretName === wanted.secretName && source.key === wanted.key;
  if (wanted && bslCredential && !matches(bslCredential)) {
    checks.problems.push(`the BackupStorageLocation's spec.credential names Secret ${bslCredential.secretName} key ${bslCredential.key || '(none)'}, the plan says Secret ${wanted.secretName} key ${wanted.key}`);
    remedy(checks, `Set the BackupStorageLocation's spec.credential to ${wanted.secretName}/${wanted.key}, or remove it so that Velero reads the mounted Secret.`);
  } else if (wanted && !bslCredential && !matches(serverSource)) {
    checks.problems.push(
      !deployment
        ? `no velero Deployment is in namespace ${plan.namespace} to read Secret ${wanted.secretName}`
        : serverSource
          ? `the velero Deployment reads Secret ${serverSource.secretName} key ${serverSource.key}, the plan says Secret ${wanted.secretName} key ${wanted.key}`
          : `the velero Deployment does not read Secret ${wanted.secretName} key ${wanted.key} (no ${CREDENTIALS_ENV} pointing into a mounted Secret, and the BackupStorageLocation names no spec.credential)`,
    );
    remedy(checks, remedyExisting);
  }

  // Kopia uploads of file-system backups run in the node agent, which reads a location without
  // spec.credential through its own mounted file (docs/velero-facts.md "The node agent's
  // credentials"). A node agent that cannot authenticate makes every file-system backup fail, so
  // it fails the item wherever shown, not only a warning.
  const nodeAgent = nodeAgentDaemonSet(state, plan);
  if (nodeAgent && effective && !bslCredential) {
    const agentSource = workloadSource(nodeAgent, 'node-agent');
    checks.evidence.push(`node-agent DaemonSet reads credentials from: ${agentSource ? `Secret ${agentSource.secretName} key ${agentSource.key} via ${agentSource.via}` : `no Secret mounted via ${CREDENTIALS_ENV}`}`);
    if (!agentSource) {
      checks.problems.push(`the node-agent DaemonSet mounts no credentials Secret via ${CREDENTIALS_ENV}, so Kopia uploads from the nodes cannot authenticate`);
      remedy(checks, 'Keep `credentials.useSecret: true`: the chart mounts the Secret into the node agent too.');
    } else if (agentSource.secretName !== effective.secretName || agentSource.key !== effective.key) {
      checks.problems.push(`the node agent reads Secret ${agentSource.secretName} key ${agentSource.key}, the server reads Secret ${effective.secretName} key ${effective.key}`);
      remedy(checks, 'Mount the same credentials Secret into the velero Deployment and the node-agent DaemonSet.');
    }
  }
  for (const workload of [deployment, nodeAgent].filter((w): w is KubeObject => w !== undefined)) {
    for (const line of literalKeyEnv(workload)) {
      checks.problems.push(line);
      checks.critical = true;
      remedy(checks, `Never put AWS keys in env values: use the credentials Secret (key ${plan.credentials.key}) filled from the SOPS-encrypted ${plan.credentials.k8sSecretsFile}, and rotate the exposed keys.`);
    }
  }
  return { effective, wanted, bsl };
}

/**
 * The Secret Velero reads. A Secret that is a file (never stored by an API server) with plain
 * data/stringData has its values committed to git; read from a cluster, a Secret always carries
 * data. In a repository's files a missing or empty Secret may be supplied at install time; in a
 * cluster listing a missing one does not exist (facts/manifests-input.ts `objectsAreRepositoryFiles`).
 */
function checkSecret(checks: Checks, state: State, plan: BackupPlan, wanted: CredentialSource, bsl: KubeObject | undefined): void {
  const inRepository = objectsAreRepositoryFiles(state);
  const secret = findSecret(state, plan.namespace, wanted.secretName);
  if (!secret && inRepository) {
    checks.evidence.push(`Secret ${plan.namespace}/${wanted.secretName}: not in this input`);
    checks.warnings.push(
      expects(plan, 'secretSource')
        ? `Secret ${wanted.secretName} is not part of the rendered manifests: make sure the cluster gets it from the SOPS-encrypted ${plan.credentials.k8sSecretsFile} (a Velero pod cannot start without it).`
        : `Secret ${wanted.secretName} is not part of this input: it must reach the cluster some other way (an encrypted Secret in the repository, an external secret store); a Velero pod cannot start without it.`,
    );
    return;
  }
  if (!secret) {
    checks.evidence.push(`Secret ${wanted.secretName}: not found in namespace ${plan.namespace}`);
    checks.problems.push(`Secret ${wanted.secretName} does not exist`);
    remedy(checks, secretRemedy(plan, wanted.secretName, wanted.key));
    return;
  }
  checks.evidence.push(describeSecret(secret, wanted.key));
  // A Secret file (never stored by an API server) with plain values is committed somewhere, whatever
  // the target it was handed to; a Secret read from a cluster always carries its data.
  if (isSecretFile(state, secret) && secret.hasPlaintextValues) {
    checks.problems.push(`Secret ${wanted.secretName} is rendered in plaintext: its credentials are committed to git`);
    checks.critical = true;
    remedy(checks, `Render Secret ${wanted.secretName} SOPS-encrypted from ${plan.credentials.k8sSecretsFile} (kubenix .enc.nix module), rotate the leaked keys, and remove the plaintext from the git history.`);
    return;
  }
  if (inRepository && secret.keys.length === 0 && !expects(plan, 'credentialsSecret')) {
    checks.warnings.push(
      `The chart renders Secret ${wanted.secretName} without keys (credentials.useSecret with no secretContents and no existingSecret): the credentials must be supplied at install time (e.g. helm --set-file credentials.secretContents.cloud=…) — not shown here; otherwise Velero finds no ${wanted.key} file.`,
    );
    return;
  }
  const problems = keyProblems(secret, wanted, String(bsl?.spec?.config?.profile ?? 'default'), checks.warnings);
  checks.problems.push(...problems);
  if (problems.length) remedy(checks, secretRemedy(plan, wanted.secretName, wanted.key));
}

/** Other Secrets of a repository's files that hold an AWS credentials file in plaintext. */
function checkOtherPlaintextSecrets(checks: Checks, state: State, plan: BackupPlan, wanted: CredentialSource | undefined): void {
  const judged = wanted?.secretName ?? plan.credentials.secretName;
  for (const other of state.objects.secrets.filter((secret) => (secret.namespace ?? plan.namespace) === plan.namespace)) {
    if (other.name === judged || !other.hasPlaintextValues || !other.credentialFiles || !isSecretFile(state, other)) continue;
    checks.evidence.push(`Secret ${plan.namespace}/${other.name}: plaintext AWS credentials file under ${Object.keys(other.credentialFiles).join(', ')} (values not shown)`);
    checks.problems.push(`Secret ${other.name} holds an AWS credentials file in plaintext`);
    checks.critical = true;
    remedy(checks, 'Do not put credentials in `credentials.secretContents` or any plaintext Secret: use `credentials.existingSecret` with the SOPS-encrypted Secret, and rotate the leaked keys.');
  }
}

/** The GitOps repository's secrets files (`--repo`): facts only a repository scan has. */
function checkRepository(checks: Checks, state: State, plan: BackupPlan): void {
  if (!state.manifests) return; // not a repository's files: the source files are not shown (and not judged)
  if (!expects(plan, 'secretSource')) {
    checks.evidence.push('Secret source: not checked (expect.secretSource is off)');
    return;
  }
  const repo = state.manifests.repo;
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

/** How the pass summary describes the Secret's content, from what the input shows of it. */
function contentShown(state: State, plan: BackupPlan, wanted: CredentialSource): string {
  const secret = findSecret(state, plan.namespace, wanted.secretName);
  if (!secret) return ` (the Secret itself is not in this input)`;
  if (secret.sopsEncrypted) return ' (SOPS-encrypted: key names checked, values not readable)';
  if (secret.keys.length === 0) return ' (its keys are not shown: supplied at install time)';
  return ' (an AWS credentials file with both keys)';
}

export const judgeK8sSecrets: Judge = ({ state, plan }) => {
  const { secretName, key, k8sSecretsFile, hostsSecretsFile } = plan.credentials;
  const expected =
    `Plan: "Do NOT use existing \`${hostsSecretsFile.split('/').pop()}\` directly (must use \`${k8sSecretsFile.split('/').pop()}\`)" — ` +
    `Velero reads S3 credentials from Secret ${secretName}, key "${key}" = AWS credentials file with aws_access_key_id and aws_secret_access_key; the Secret is never committed in plaintext and is filled from ${k8sSecretsFile}.`;
  const absent = failIfVeleroAbsent(ID, state, plan, expected);
  if (absent) return absent;
  const gap = readGapFor(state, 'secrets');
  if (gap) return skip(ID, `Secrets could not be read (${gap}); the credentials Secret is not verified.`);

  const checks = newChecks();
  const { wanted, bsl } = checkWorkloads(checks, state, plan);
  if (wanted) checkSecret(checks, state, plan, wanted, bsl);
  checkOtherPlaintextSecrets(checks, state, plan, wanted);
  checkRepository(checks, state, plan);

  const from = provenance(state);
  const extra = { expected, warnings: checks.warnings.length ? [...checks.warnings] : undefined, critical: checks.critical || undefined };
  if (checks.problems.length) {
    return fail(ID, `The credentials guardrail is broken${from}: ${checks.problems.join('; ')}`, checks.evidence, checks.remediation.join(' '), extra);
  }
  if (!wanted) {
    // With no plan Secret to hold Velero to, credentials may come from a workload identity or env
    // this judge does not follow (credentials.extraEnvVars / extraSecretRef), so nothing shown is
    // wrong — and nothing is proven.
    return {
      ...skip(ID, `Not shown${from}: the input does not show where Velero's credentials come from (no Secret-backed ${CREDENTIALS_ENV} and no BackupStorageLocation spec.credential), and no plaintext credentials are in it.`, checks.evidence),
      expected,
      warnings: ['Where Velero gets its object-store credentials is not shown by this input (no credentials Secret is mounted and no location names spec.credential).', ...checks.warnings],
    };
  }
  const source = state.manifests?.repo && expects(plan, 'secretSource') ? ` and comes from ${k8sSecretsFile}` : '';
  return pass(ID, `Velero reads S3 credentials from Secret ${wanted.secretName}, key "${wanted.key}"${contentShown(state, plan, wanted)}${source}${from}`, checks.evidence, extra);
};
