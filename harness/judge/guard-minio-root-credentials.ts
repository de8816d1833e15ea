/**
 * guard.minio-root-credentials — Velero does not hold MinIO's root credentials.
 *
 * The plan gives Velero its own credentials Secret (`velero-s3-credentials`); a Velero that holds
 * MinIO's well-known root keys (minioadmin/minioadmin, minio/minio123) can delete every bucket,
 * and anyone who reads the Secret owns the object store. Only the SecretSummary's yes/no fact
 * (`usesWellKnownDefaults`) is read. A root user with a changed password cannot be recognised
 * from the cluster: the finding says so.
 */
import { fail, pass, skip, type Judge, details } from './types.ts';
import { failIfVeleroAbsent } from './facts/workloads.ts';
import { readGapFor } from './facts/object-access.ts';

const ID = 'guard.minio-root-credentials' as const;

export const judgeMinioRootCredentials: Judge = ({ state, plan }) => {
  const expected = `Velero's S3 credentials (Secret ${plan.credentials.secretName}) belong to a dedicated MinIO user with access to the backup bucket only, not MinIO's root user.`;
  const absent = failIfVeleroAbsent(ID, state, plan, expected);
  if (absent) return absent;
  const gap = readGapFor(state, 'secrets');
  if (gap) return skip(ID, `Secrets could not be read (${gap}): Velero's S3 credentials were not checked.`);
  const inVeleroNamespace = state.objects.secrets.filter((secret) => (secret.namespace ?? plan.namespace) === plan.namespace);
  const files = inVeleroNamespace.flatMap((secret) => Object.entries(secret.credentialFiles ?? {}).map(([key, file]) => ({ secret: secret.name, key, file })));
  const judged = files.filter(({ file }) => file.parsed && file.usesWellKnownDefaults !== undefined);
  if (judged.length === 0) {
    return skip(ID, `No AWS credentials file was found in the Secrets of namespace ${plan.namespace} (or only without its values): Velero's S3 credentials were not checked.`);
  }
  const evidence = judged.map(({ secret, key, file }) => `Secret ${secret}, key ${key}: ${file.usesWellKnownDefaults ? "MinIO's well-known root credentials" : 'not a well-known MinIO root key pair'}`);
  const rootKeys = judged.filter(({ file }) => file.usesWellKnownDefaults);
  if (rootKeys.length) {
    return fail(
      ID,
      `Velero uses MinIO's well-known root credentials (${rootKeys.map(({ secret, key }) => `Secret ${secret} key ${key}`).join(', ')})`,
      evidence,
      `Create a dedicated MinIO user for Velero with a policy limited to bucket ${plan.storage.bucket}, put its keys into Secret ${plan.credentials.secretName} (from k8s-secrets.enc.yaml), and change MinIO's root password.`,
      { ...details(expected), critical: true },
    );
  }
  return pass(ID, "Velero's S3 credentials are not MinIO's well-known root credentials", evidence, details(expected, ['A root user with a changed password cannot be told apart from a dedicated user from the cluster: make sure the keys belong to a user limited to the bucket.']));
};
