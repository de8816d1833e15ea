/**
 * The one reader of AWS shared-credentials files (the `cloud` key of Velero's credentials Secret,
 * `deploy --credentials-file`, the bucket reader). It follows the rules of the AWS SDK for
 * JavaScript's shared-ini parser (docs/velero-facts.md "The AWS credentials file"), which a
 * generic INI parser does not:
 *
 * - `#` and `;` start a comment only at the start of a line or after whitespace, so a secret such
 *   as `abc;def#ghi` is read whole (an INI parser truncates it to `abc`);
 * - `[name]` opens a profile; `key = value` lines are trimmed; a key with an empty value opens a
 *   sub-section whose indented lines are `parent.key`; lines outside a profile are ignored;
 * - a profile named `__proto__` is refused.
 *
 * The SDK's own parser is not part of its public API (only file-reading loaders are), so this
 * module implements the rules; `aws-credentials-file.test.ts` checks it against the SDK's loader
 * on a table of tricky inputs. Errors never quote a value.
 */

export type AwsProfiles = Record<string, Record<string, string>>;

export interface ProfileKeys {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

const COMMENT = /(^|\s)[;#]/;
const FORBIDDEN_PROFILES = new Set(['__proto__', 'profile __proto__']);

export class CredentialsFileError extends Error {}

/** All profiles of a credentials file. Throws CredentialsFileError (without values) on a forbidden profile name. */
export function parseAwsCredentialsFile(text: string): AwsProfiles {
  const profiles: AwsProfiles = Object.create(null);
  let profile: string | undefined;
  let subSection: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.split(COMMENT)[0].trim();
    if (line.startsWith('[') && line.endsWith(']')) {
      const name = line.slice(1, -1);
      if (FORBIDDEN_PROFILES.has(name)) throw new CredentialsFileError(`invalid profile name "${name}"`);
      profile = name;
      subSection = undefined;
      continue;
    }
    if (profile === undefined) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) continue;
    const key = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    if (value === '') {
      subSection = key;
      continue;
    }
    if (subSection !== undefined && rawLine.trimStart() === rawLine) subSection = undefined;
    profiles[profile] ??= Object.create(null);
    profiles[profile][subSection !== undefined ? `${subSection}.${key}` : key] = value;
  }
  return profiles;
}

/** The keys of one profile (`default` unless the BSL's `config.profile` names another). */
export function profileKeys(profiles: AwsProfiles, profile = 'default'): ProfileKeys | undefined {
  const section = profiles[profile];
  if (!section) return undefined;
  const keys: ProfileKeys = {};
  if (section.aws_access_key_id) keys.accessKeyId = section.aws_access_key_id;
  if (section.aws_secret_access_key) keys.secretAccessKey = section.aws_secret_access_key;
  if (section.aws_session_token) keys.sessionToken = section.aws_session_token;
  return keys;
}
