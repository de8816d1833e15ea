/**
 * The S3 credentials Secret the chart mounts (`credentials.existingSecret`): key `cloud` holds an
 * AWS shared-credentials file (docs/velero-facts.md §6):
 *
 *     [default]
 *     aws_access_key_id=<key id>
 *     aws_secret_access_key=<secret>
 *
 * The values only ever travel on stdin to `kubectl apply -f -`: never in argv, logs or output.
 * Everything printable goes through `redactSecretManifest` / `redactValues` (harness/redact.ts).
 */
import { readFileSync } from 'node:fs';
import { CredentialsFileError, parseAwsCredentialsFile, profileKeys, type AwsProfiles } from '../aws-credentials-file.ts';
import { stringify as toYaml } from 'yaml';
import { AuditInputError, describeError } from '../errors.ts';

export const ACCESS_KEY_ENV = 'VELERO_S3_ACCESS_KEY_ID';
export const SECRET_KEY_ENV = 'VELERO_S3_SECRET_ACCESS_KEY';
const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
const MANAGED_BY = 'velero-verify';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The `cloud` file content for a key pair. */
function awsCredentialsFile(credentials: S3Credentials): string {
  return `[default]\naws_access_key_id=${credentials.accessKeyId}\naws_secret_access_key=${credentials.secretAccessKey}\n`;
}

/**
 * Parse an AWS credentials file and return the `[default]` pair; errors name the file and what
 * is missing, never a value.
 */
function parseCredentialsFile(text: string, source: string): S3Credentials {
  let parsed: AwsProfiles;
  try {
    parsed = parseAwsCredentialsFile(text);
  } catch (error) {
    throw new AuditInputError(`${source} is not an AWS credentials file: ${error instanceof CredentialsFileError ? error.message : describeError(error)}.`);
  }
  const section = profileKeys(parsed);
  const accessKeyId = section?.accessKeyId ?? '';
  const secretAccessKey = section?.secretAccessKey ?? '';
  const missing = [!section && '[default] section', section && !accessKeyId && 'aws_access_key_id', section && !secretAccessKey && 'aws_secret_access_key'].filter(Boolean);
  if (missing.length) {
    throw new AuditInputError(
      `${source} is not a usable AWS credentials file: missing ${missing.join(' and ')}. Expected:\n[default]\naws_access_key_id=<key id>\naws_secret_access_key=<secret>`,
    );
  }
  return { accessKeyId, secretAccessKey };
}

/**
 * Where the credentials come from: `--credentials-file`, else both env vars, else none (the
 * Secret must then exist already). One env var without the other is a mistake worth stopping on.
 */
export function credentialsFromInputs(input: { credentialsFile?: string; env: NodeJS.ProcessEnv }): S3Credentials | undefined {
  if (input.credentialsFile) {
    let text: string;
    try {
      text = readFileSync(input.credentialsFile, 'utf8');
    } catch (error) {
      throw new AuditInputError(`--credentials-file ${input.credentialsFile} cannot be read: ${describeError(error)}.`);
    }
    return parseCredentialsFile(text, `--credentials-file ${input.credentialsFile}`);
  }
  const accessKeyId = input.env[ACCESS_KEY_ENV]?.trim();
  const secretAccessKey = input.env[SECRET_KEY_ENV]?.trim();
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  if (accessKeyId || secretAccessKey) {
    throw new AuditInputError(`Only one of ${ACCESS_KEY_ENV} and ${SECRET_KEY_ENV} is set: set both (or neither, to keep the existing Secret).`);
  }
  return undefined;
}

/** Namespace + Secret, as one YAML stream for `kubectl apply -f -` (idempotent: apply creates or updates). */
export function credentialsManifest(options: { namespace: string; secretName: string; key: string; credentials: S3Credentials }): string {
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY };
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace } };
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: options.secretName, namespace: options.namespace, labels },
    type: 'Opaque',
    data: { [options.key]: Buffer.from(awsCredentialsFile(options.credentials)).toString('base64') },
  };
  return `${toYaml(namespace)}---\n${toYaml(secret)}`;
}

/** The same stream for printing: the data values replaced by a description. */
export function redactSecretManifest(options: { namespace: string; secretName: string; key: string; credentials?: S3Credentials }): string {
  const placeholder = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: options.secretName, namespace: options.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
    type: 'Opaque',
    data: {
      [options.key]: options.credentials
        ? '<redacted: AWS credentials file, [default] aws_access_key_id + aws_secret_access_key>'
        : `<not given: set ${ACCESS_KEY_ENV} and ${SECRET_KEY_ENV}, or --credentials-file>`,
    },
  };
  return `${toYaml({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace } })}---\n${toYaml(placeholder, { lineWidth: 0 })}`;
}

/** Every printable form of the secret values (plain and base64 of the file), for `redactValues`. */
export function secretForms(credentials: S3Credentials | undefined): string[] {
  if (!credentials) return [];
  const file = awsCredentialsFile(credentials);
  return [credentials.secretAccessKey, credentials.accessKeyId, Buffer.from(file).toString('base64')].filter((value) => value.length >= 4);
}
