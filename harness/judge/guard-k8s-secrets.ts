/**
 * guard.k8s-secrets (live) — plan: "Do NOT use existing `hosts-secrets.enc.yaml` directly (must
 * use `k8s-secrets.enc.yaml`)"; task 2: Secret `velero-s3-credentials`, key `cloud` mapped to an
 * AWS credentials file.
 *
 * On a cluster the guardrail means: Velero reads its S3 credentials from the plan's Kubernetes
 * Secret, and that Secret is well-formed. docs/velero-facts.md §5 (chart `credentials.existingSecret`): the
 * Secret is mounted as volume `cloud-credentials` at /credentials with
 * AWS_SHARED_CREDENTIALS_FILE=/credentials/cloud; docs/velero-facts.md §6: key `cloud` holds an INI file with
 * [default] aws_access_key_id / aws_secret_access_key. A BSL may instead name a Secret in
 * spec.credential, which Velero then reads for that location (docs/velero-facts.md §3).
 * Only SecretSummary facts are used: no value ever reaches a finding.
 */
import { expects, type BackupPlan } from '../plan.ts';
import type { KubeObject, SecretSummary } from '../state.ts';
import { fail, pass, skip, type Judge, details } from './types.ts';
import { failIfVeleroAbsent, nodeAgentDaemonSet, veleroDeployment, veleroServerContainer } from './facts/workloads.ts';
import { findSecret, readGapFor } from './facts/object-access.ts';
import { selectPlanBsl } from './facts/plan-objects.ts';

const ID = 'guard.k8s-secrets' as const;
const CREDENTIALS_ENV = 'AWS_SHARED_CREDENTIALS_FILE';

/** A Secret key a workload reads credentials from, and how. */
export interface CredentialSource {
  secretName: string;
  key: string;
  via: string;
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
  const podSpec = workload?.spec?.template?.spec;
  const containers = (podSpec?.containers ?? []) as Array<{ name: string }>;
  const container = containerName ? containers.find((candidate) => candidate.name === containerName) ?? containers[0] : veleroServerContainer(workload);
  return credentialsFileSource(podSpec, container);
}

function describeSecret(secret: SecretSummary, key: string): string {
  const file = secret.credentialFiles?.[key];
  const fileText = file
    ? `key ${key}: ${file.parsed ? `AWS credentials file, profiles [${file.profiles.join(', ')}], aws_access_key_id ${file.hasAccessKeyId ? 'present' : 'MISSING'}, aws_secret_access_key ${file.hasSecretAccessKey ? 'present' : 'MISSING'}` : `not an AWS credentials file (${file.problem ?? 'unparsed'})`}`
    : `key ${key}: ${secret.keys.includes(key) ? 'present but not recognised as an AWS credentials file' : 'absent'}`;
  return `Secret ${secret.name}: keys [${secret.keys.join(', ')}]; ${fileText}`;
}

/** The Secret and key Velero should read: the plan's, or — expectation off — what Velero actually uses. */
function wantedSource(plan: BackupPlan, bslCredential: CredentialSource | undefined, serverSource: CredentialSource | undefined): CredentialSource | undefined {
  if (expects(plan, 'credentialsSecret')) return { secretName: plan.credentials.secretName, key: plan.credentials.key, via: 'plan credentials.secretName / credentials.key' };
  return bslCredential ?? serverSource;
}

function secretProblems(secret: SecretSummary | undefined, source: CredentialSource, profile: string, warnings: string[]): string[] {
  if (!secret) return [`Secret ${source.secretName} does not exist`];
  if (!secret.keys.includes(source.key)) return [`Secret ${source.secretName} has no key "${source.key}" (keys: ${secret.keys.join(', ') || 'none'})`];
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

export const judgeK8sSecrets: Judge = ({ state, plan }) => {
  const expected = `Plan: "Do NOT use existing \`hosts-secrets.enc.yaml\` directly (must use \`k8s-secrets.enc.yaml\`)" — Velero reads S3 credentials from Secret ${plan.credentials.secretName}, key "${plan.credentials.key}" = AWS credentials file with aws_access_key_id and aws_secret_access_key.`;
  const absent = failIfVeleroAbsent(ID, state, plan, expected);
  if (absent) return absent;
  const gap = readGapFor(state, 'secrets');
  if (gap) return skip(ID, `Secrets could not be read (${gap}); the credentials Secret is not verified.`);

  const deployment = veleroDeployment(state, plan);
  const bsl = selectPlanBsl(state, plan).object;
  const serverSource = workloadSource(deployment);
  const bslCredential: CredentialSource | undefined = bsl?.spec?.credential?.name
    ? { secretName: bsl.spec.credential.name, key: bsl.spec.credential.key, via: `BackupStorageLocation ${bsl.metadata.name} spec.credential` }
    : undefined;
  const wanted = wantedSource(plan, bslCredential, serverSource);
  const evidence: string[] = [];
  const warnings: string[] = [];
  evidence.push(`velero Deployment reads credentials from: ${serverSource ? `Secret ${serverSource.secretName} key ${serverSource.key} via ${serverSource.via}` : deployment ? `no Secret mounted via ${CREDENTIALS_ENV}` : '(no velero Deployment)'}`);
  if (bslCredential) evidence.push(`${bslCredential.via}: Secret ${bslCredential.secretName} key ${bslCredential.key}`);

  if (!wanted) {
    return fail(
      ID,
      'Velero reads no S3 credentials from a Kubernetes Secret',
      evidence,
      `Create the Secret (kubenix module velero-config.enc.nix from k8s-secrets.enc.yaml) and set credentials.useSecret: true, credentials.existingSecret: ${plan.credentials.secretName} in the Helm values.`,
      details(expected, warnings),
    );
  }

  const secret = findSecret(state, plan.namespace, wanted.secretName);
  if (secret) evidence.push(describeSecret(secret, wanted.key));
  else evidence.push(`Secret ${wanted.secretName}: not found in namespace ${plan.namespace}`);
  const profile = String(bsl?.spec?.config?.profile ?? 'default');
  const problems = secretProblems(secret, wanted, profile, warnings);

  // Velero must actually read the wanted Secret: through spec.credential or the mounted file.
  const matches = (source: CredentialSource | undefined) => !!source && source.secretName === wanted.secretName && source.key === wanted.key;
  if (bslCredential && !matches(bslCredential)) {
    problems.push(`the BackupStorageLocation's spec.credential names Secret ${bslCredential.secretName} key ${bslCredential.key}, not ${wanted.secretName} key ${wanted.key}`);
  } else if (!bslCredential && !matches(serverSource)) {
    problems.push(
      deployment
        ? `the velero Deployment does not read Secret ${wanted.secretName} key ${wanted.key} (${serverSource ? `it reads ${serverSource.secretName} key ${serverSource.key}` : `no ${CREDENTIALS_ENV} pointing into a mounted Secret`})`
        : 'no velero Deployment was found to read it',
    );
  }
  const agentSource = workloadSource(nodeAgentDaemonSet(state, plan), 'node-agent');
  if (plan.deployNodeAgent && nodeAgentDaemonSet(state, plan) && !bslCredential && !matches(agentSource)) {
    warnings.push(`The node-agent DaemonSet does not mount Secret ${wanted.secretName} via ${CREDENTIALS_ENV}; Kopia uploads from node-agent need the same credentials (the chart mounts them in both).`);
  }

  if (problems.length === 0) {
    return pass(ID, `Velero reads S3 credentials from Secret ${wanted.secretName}, key "${wanted.key}" (an AWS credentials file with both keys)`, evidence, details(expected, warnings));
  }
  return fail(
    ID,
    `The credentials Secret is not as planned: ${problems.join('; ')}`,
    evidence,
    `Create/fix Secret ${wanted.secretName} in namespace ${plan.namespace} from k8s-secrets.enc.yaml (kubenix velero-config.enc.nix): key "${wanted.key}" must hold "[default]\\naws_access_key_id=<${plan.credentials.sourceKeys.accessKeyId}>\\naws_secret_access_key=<${plan.credentials.sourceKeys.secretAccessKey}>"; in the Helm values set credentials.useSecret: true and credentials.existingSecret: ${wanted.secretName}; check with kubectl -n ${plan.namespace} get secret ${wanted.secretName} -o jsonpath='{.data}' | jq 'keys'.`,
    details(expected, warnings),
  );
};
