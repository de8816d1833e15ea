/**
 * Reduce a Secret to what judges need — key names and a few yes/no facts — so that values
 * never enter the State, a report or a snapshot (docs/architecture.md §5). Values are decoded in memory,
 * inspected, and dropped here.
 */
import { CredentialsFileError, parseAwsCredentialsFile, type AwsProfiles } from '../aws-credentials-file.ts';
import { neverStored, type CredentialsFileSummary, type KubeObject, type SecretSummary } from '../state.ts';

/**
 * scripts/capture.mjs writes Secrets without values: placeholders under the key names, the
 * judge-relevant yes/no facts in CAPTURED_FACTS_ANNOTATION, and REDACTED_ANNOTATION = "true".
 */
export const CAPTURED_FACTS_ANNOTATION = 'velero-verify.io/captured-facts';
export const REDACTED_ANNOTATION = 'velero-verify.io/redacted';

/** Velero's built-in Kopia repository password (docs/velero-facts.md §8). */
const VELERO_DEFAULT_REPO_PASSWORD = 'static-passw0rd';
const REPO_SECRET = { name: 'velero-repo-credentials', key: 'repository-password' };

/** Well-known MinIO root credentials (MinIO's defaults and Velero's e2e). */
const WELL_KNOWN_MINIO_KEYS: Array<[string, string]> = [
  ['minioadmin', 'minioadmin'],
  ['minio', 'minio123'],
];

function decodeValues(secret: KubeObject): Map<string, string> {
  const values = new Map<string, string>();
  const data = (secret.data ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'string') values.set(key, Buffer.from(value, 'base64').toString('utf8'));
  }
  const stringData = (secret.stringData ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value === 'string') values.set(key, value);
  }
  return values;
}

/**
 * Parse an AWS shared-credentials file (docs/velero-facts.md §6) and keep only whether the profile has both
 * keys. `profile` is the BSL's `config.profile` (default `default`).
 */
export function summarizeCredentialsFile(text: string, profile = 'default'): CredentialsFileSummary {
  let parsed: AwsProfiles;
  try {
    parsed = parseAwsCredentialsFile(text);
  } catch (error) {
    return { parsed: false, profiles: [], hasAccessKeyId: false, hasSecretAccessKey: false, problem: error instanceof CredentialsFileError ? error.message : 'not an AWS credentials file' };
  }
  const profiles = Object.keys(parsed);
  const section = parsed[profile] ?? {};
  const accessKeyId = section.aws_access_key_id ?? '';
  const secretAccessKey = section.aws_secret_access_key ?? '';
  const summary: CredentialsFileSummary = {
    parsed: profiles.length > 0,
    profiles,
    hasAccessKeyId: accessKeyId !== '',
    hasSecretAccessKey: secretAccessKey !== '',
    usesWellKnownDefaults: WELL_KNOWN_MINIO_KEYS.some(([id, key]) => id === accessKeyId && key === secretAccessKey),
  };
  if (!summary.parsed) summary.problem = `no [${profile}] section: expected an AWS credentials file ("[default]", aws_access_key_id=…, aws_secret_access_key=…)`;
  else if (!profiles.includes(profile)) summary.problem = `no [${profile}] profile (found: ${profiles.join(', ')})`;
  return summary;
}

function looksLikeCredentialsFile(text: string): boolean {
  return /aws_access_key_id|aws_secret_access_key|^\s*\[[^\]]+\]\s*$/m.test(text);
}

export function isSopsEncrypted(object: Record<string, unknown>): boolean {
  const sops = object.sops;
  return typeof sops === 'object' && sops !== null && ('mac' in sops || 'lastmodified' in sops || 'version' in sops);
}

export function summarizeSecret(secret: KubeObject, options: { credentialKeys?: string[] } = {}): SecretSummary {
  const values = decodeValues(secret);
  const summary: SecretSummary = {
    name: secret.metadata.name,
    namespace: secret.metadata.namespace,
    type: typeof secret.type === 'string' ? secret.type : undefined,
    labels: secret.metadata.labels,
    keys: [...new Set([...Object.keys((secret.data ?? {}) as object), ...Object.keys((secret.stringData ?? {}) as object)])].sort(),
  };
  if (neverStored(secret)) summary.neverStored = true;
  if (secret.metadata.annotations?.[REDACTED_ANNOTATION] === 'true') return withCapturedFacts(summary, secret);
  if (isSopsEncrypted(secret)) summary.sopsEncrypted = true;
  else if (values.size > 0) summary.hasPlaintextValues = true;
  if (summary.sopsEncrypted) return summary; // encrypted values are never decrypted: key names only

  const credentialKeys = new Set(options.credentialKeys ?? ['cloud']);
  for (const [key, value] of values) {
    if (credentialKeys.has(key) || looksLikeCredentialsFile(value)) {
      summary.credentialFiles ??= {};
      summary.credentialFiles[key] = summarizeCredentialsFile(value);
    }
  }
  if (summary.name === REPO_SECRET.name && values.has(REPO_SECRET.key)) {
    summary.repositoryPasswordIsDefault = values.get(REPO_SECRET.key) === VELERO_DEFAULT_REPO_PASSWORD;
  }
  return summary;
}

/** A captured (value-free) Secret: the facts come from the capture's annotation, not from placeholders. */
function withCapturedFacts(summary: SecretSummary, secret: KubeObject): SecretSummary {
  const raw = secret.metadata.annotations?.[CAPTURED_FACTS_ANNOTATION];
  if (!raw) return summary;
  let facts: Pick<SecretSummary, 'credentialFiles' | 'repositoryPasswordIsDefault'>;
  try {
    facts = JSON.parse(raw);
  } catch {
    return summary; // a damaged annotation leaves only the key names: the judges then say "not verified"
  }
  if (facts.credentialFiles && typeof facts.credentialFiles === 'object') summary.credentialFiles = facts.credentialFiles;
  if (typeof facts.repositoryPasswordIsDefault === 'boolean') summary.repositoryPasswordIsDefault = facts.repositoryPasswordIsDefault;
  return summary;
}
