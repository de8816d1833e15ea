/**
 * guard.repository-password — the Kopia repository is not protected by Velero's default password.
 *
 * docs/velero-facts.md "The Kopia repository password": Velero encrypts every Kopia repository
 * with the key `repository-password` of Secret `velero-repo-credentials`, which the server
 * creates with the default `static-passw0rd` when it is missing. With the default, anyone who
 * can read the bucket can decrypt every backup. Only the SecretSummary's yes/no fact is read:
 * the value never reaches the State.
 */
import { fail, pass, skip, type Judge, details } from './types.ts';
import { failIfVeleroAbsent } from './facts/workloads.ts';
import { findSecret, readGapFor } from './facts/object-access.ts';
import { REPO_CREDENTIALS_SECRET } from './facts/velero-names.ts';

const ID = 'guard.repository-password' as const;
const KEY = 'repository-password';
const EXPECTED = `Secret ${REPO_CREDENTIALS_SECRET}, key ${KEY}, holds a strong password of its own, not Velero's default static-passw0rd.`;

export const judgeRepositoryPassword: Judge = ({ state, plan }) => {
  const absent = failIfVeleroAbsent(ID, state, plan, EXPECTED);
  if (absent) return absent;
  const gap = readGapFor(state, 'secrets');
  if (gap) return skip(ID, `Secrets could not be read (${gap}): the Kopia repository password was not checked.`);
  const secret = findSecret(state, plan.namespace, REPO_CREDENTIALS_SECRET);
  if (!secret) return skip(ID, `Secret ${REPO_CREDENTIALS_SECRET} is not in the input: the Kopia repository password was not checked.`);
  if (!secret.keys.includes(KEY)) {
    return fail(
      ID,
      `Secret ${REPO_CREDENTIALS_SECRET} has no key ${KEY}: Velero cannot open its Kopia repositories`,
      [`Secret ${REPO_CREDENTIALS_SECRET}: keys [${secret.keys.join(', ')}]`],
      `Put the repository password under key ${KEY} of Secret ${REPO_CREDENTIALS_SECRET} in namespace ${plan.namespace}.`,
      details(EXPECTED),
    );
  }
  if (secret.repositoryPasswordIsDefault === undefined) {
    return skip(ID, `Secret ${REPO_CREDENTIALS_SECRET} is in the input without its value or a captured fact about it: the Kopia repository password was not checked.`);
  }
  if (secret.repositoryPasswordIsDefault) {
    return fail(
      ID,
      `The Kopia repository password is Velero's default static-passw0rd (Secret ${REPO_CREDENTIALS_SECRET}): anyone who can read the bucket can decrypt every backup`,
      [`Secret ${REPO_CREDENTIALS_SECRET}: ${KEY} is Velero's default`],
      `A repository's password can be set only before its first backup: create Secret ${REPO_CREDENTIALS_SECRET} (key ${KEY}) with a random value before Velero first runs (npm run deploy does); for existing repositories that means new repositories (a new BSL prefix or bucket) and fresh backups.`,
      { ...details(EXPECTED), critical: true },
    );
  }
  return pass(ID, `The Kopia repository password is not Velero's default (Secret ${REPO_CREDENTIALS_SECRET})`, [`Secret ${REPO_CREDENTIALS_SECRET}: ${KEY} is not Velero's default`], details(EXPECTED));
};
