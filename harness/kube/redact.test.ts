import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from './redact.ts';

describe('Redactor patterns', () => {
  const redactor = new Redactor();

  it('redacts AWS access key ids wherever they appear', () => {
    expect(redactor.text('InvalidAccessKeyId: AKIAIOSFODNN7EXAMPLE is unknown')).toBe(`InvalidAccessKeyId: ${REDACTED} is unknown`);
    expect(redactor.text('temporary ASIAY34FZKBOKMUTVV7A')).toBe(`temporary ${REDACTED}`);
    // Not a key id: too short, or lower case.
    expect(redactor.text('AKIA123 akiaiosfodnn7example')).toBe('AKIA123 akiaiosfodnn7example');
  });

  it('redacts the password of a URL, keeping the user and host', () => {
    expect(redactor.text('Get "https://admin:hunter2@minio.lan:9000/velero"')).toBe(`Get "https://admin:${REDACTED}@minio.lan:9000/velero"`);
    expect(redactor.text('s3Url: http://minio.lan:9000')).toBe('s3Url: http://minio.lan:9000');
  });

  it('redacts a credentials-file value to the end of its line (the AWS format allows ; # and spaces in it)', () => {
    expect(redactor.text('aws_secret_access_key = abc;def#GHI jkl\nregion = minio')).toBe(`aws_secret_access_key = ${REDACTED}\nregion = minio`);
    expect(redactor.text('token: abc;defGHIJ')).not.toMatch(/defGHIJ/);
  });

  it('keeps redacting key=value credentials', () => {
    expect(redactor.text('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG')).toBe(`aws_secret_access_key = ${REDACTED}`);
  });
});
