/**
 * beyond.credentials-valid — the object store accepts the credentials Velero uses.
 *
 * A BackupStorageLocation that validated Available proves the store answered Velero's list
 * request with those credentials. An Unavailable location whose message is a credentials error
 * (InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied, missing credentials: docs/triage.md,
 * "Failure signatures") fails; unavailable for another reason (endpoint, region, foreign
 * directories) says nothing about the credentials and is not judged.
 */
import { fail, pass, skip, type Judge } from './types.ts';
import { inNamespace, oneLine } from './facts/object-access.ts';
import { selectPlanBsl } from './facts/plan-objects.ts';

const ID = 'beyond.credentials-valid' as const;
const EXPECTED = 'The object store accepts the credentials Velero uses: the BackupStorageLocation validates Available.';

const CREDENTIALS_ERROR = /InvalidAccessKeyId|SignatureDoesNotMatch|InvalidClientTokenId|AccessDenied|NoCredentialProviders|unable to get credentials|secret is missing data for key|credentials\/cloud: no such file/;

export const judgeCredentials: Judge = ({ state, plan }) => {
  const locations = inNamespace(state.objects.backupStorageLocations, plan.namespace);
  const bsl = selectPlanBsl(state, plan).object ?? locations[0];
  if (!bsl) return skip(ID, 'No BackupStorageLocation: whether the object store accepts the credentials cannot be told (dod.bsl-available reports the missing location).');
  const name = bsl.metadata.name;
  const phase = String(bsl.status?.phase ?? '');
  const message = typeof bsl.status?.message === 'string' ? oneLine(bsl.status.message) : '';
  const evidence = [`BackupStorageLocation ${name}: status.phase=${phase || '(empty)'}${message ? `, status.message: ${message}` : ''}`];
  if (phase === 'Available') return pass(ID, `BackupStorageLocation ${name} validated Available: the object store accepted the credentials`, evidence, { expected: EXPECTED });
  if (CREDENTIALS_ERROR.test(message)) {
    return fail(
      ID,
      `The object store rejected the credentials of BackupStorageLocation ${name}: ${message}`,
      evidence,
      'Put the bucket\'s access key pair in the credentials Secret (key `cloud`, AWS credentials-file format with aws_access_key_id and aws_secret_access_key), allow it on the bucket, restart the velero Deployment and check velero backup-location get.',
      { expected: EXPECTED },
    );
  }
  return skip(ID, `BackupStorageLocation ${name} is not Available${message ? ` (${message})` : ''}, for a reason that does not show whether the credentials are accepted.`, evidence);
};
