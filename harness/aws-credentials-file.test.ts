/**
 * The credentials-file reader agrees with the AWS SDK for JavaScript on tricky inputs, read through
 * the SDK's own loader (its file reads intercepted: nothing touches the disk).
 */
import { externalDataInterceptor, loadSharedConfigFiles } from '@smithy/core/config';
import { describe, expect, it } from 'vitest';
import { parseAwsCredentialsFile, profileKeys } from './aws-credentials-file.ts';

async function sdkParse(text: string, id: string): Promise<Record<string, Record<string, string>>> {
  const filepath = `/nonexistent/velero-verify-test/${id}/credentials`;
  externalDataInterceptor.interceptFile(filepath, text);
  externalDataInterceptor.interceptFile(`${filepath}.config`, '');
  try {
    const { credentialsFile } = await loadSharedConfigFiles({ filepath, configFilepath: `${filepath}.config`, ignoreCache: true });
    return credentialsFile as Record<string, Record<string, string>>;
  } finally {
    delete externalDataInterceptor.getFileRecord()[filepath];
    delete externalDataInterceptor.getFileRecord()[`${filepath}.config`];
  }
}

const CASES: Record<string, string> = {
  plain: '[default]\naws_access_key_id=AKID\naws_secret_access_key=plain-secret\n',
  'semicolon and hash inside the secret': '[default]\naws_access_key_id=AKID\naws_secret_access_key=abc;def#ghi\n',
  'comment after whitespace': '[default]\naws_access_key_id = AKID ; the key\naws_secret_access_key = s3cr3t # rotated\n',
  'comment lines and CRLF': '# generated\r\n; by hand\r\n[default]\r\naws_access_key_id=AKID\r\naws_secret_access_key=x=y=z\r\n',
  'two profiles': '[default]\naws_access_key_id=A\naws_secret_access_key=B\n[backup]\naws_access_key_id=C\naws_secret_access_key=D;E\naws_session_token=T\n',
  'keys before any profile are ignored': 'aws_access_key_id=X\n[default]\naws_access_key_id=A\naws_secret_access_key=B\n',
  'sub-section': '[default]\ns3 =\n  addressing_style = path\naws_access_key_id=A\naws_secret_access_key=B\n',
  'quotes are kept': '[default]\naws_access_key_id="A"\naws_secret_access_key=\'B\'\n',
};

describe('parseAwsCredentialsFile reads a credentials file as the AWS SDK does', () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      expect({ ...parseAwsCredentialsFile(text) }).toEqual(JSON.parse(JSON.stringify(await sdkParse(text, name.replace(/\W+/g, '-')))));
    });
  }

  it('keeps ; and # inside a secret (an INI parser truncated it)', () => {
    expect(profileKeys(parseAwsCredentialsFile(CASES['semicolon and hash inside the secret']))).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'abc;def#ghi' });
  });

  it('refuses a __proto__ profile without quoting a value', () => {
    expect(() => parseAwsCredentialsFile('[__proto__]\naws_secret_access_key=hidden\n')).toThrow('invalid profile name "__proto__"');
  });
});
