import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, redactSecrets, redactValues } from './redact.ts';

describe('redactSecrets: text shaped like a credential', () => {
  it('redacts AWS access key ids wherever they appear', () => {
    expect(redactSecrets('InvalidAccessKeyId: AKIAIOSFODNN7EXAMPLE is unknown')).toBe(`InvalidAccessKeyId: ${REDACTED} is unknown`);
    expect(redactSecrets('temporary ASIAY34FZKBOKMUTVV7A')).toBe(`temporary ${REDACTED}`);
    // Not a key id: too short, or lower case.
    expect(redactSecrets('AKIA123 akiaiosfodnn7example')).toBe('AKIA123 akiaiosfodnn7example');
  });

  it('redacts the password of a URL, keeping the user and host', () => {
    expect(redactSecrets('Get "https://admin:hunter2@minio.lan:9000/velero"')).toBe(`Get "https://admin:${REDACTED}@minio.lan:9000/velero"`);
    expect(redactSecrets('s3Url: http://minio.lan:9000')).toBe('s3Url: http://minio.lan:9000');
  });

  it('redacts a credentials-file value to the end of its line (the AWS format allows ; # and spaces in it)', () => {
    expect(redactSecrets('aws_secret_access_key = abc;def#GHI jkl\nregion = minio')).toBe(`aws_secret_access_key = ${REDACTED}\nregion = minio`);
    expect(redactSecrets('[default]\naws_secret_access_key = abc;def#GHI jkl\nregion = minio')).toBe(`[default]\naws_secret_access_key = ${REDACTED}\nregion = minio`);
    expect(redactSecrets('token: abc;defGHIJ')).not.toMatch(/defGHIJ/);
    expect(redactSecrets('password=abc;defGHIJ&x')).not.toMatch(/defGHIJ/);
  });

  it('redacts key=value credentials, including a name with a prefix (MINIO_ROOT_PASSWORD=)', () => {
    expect(redactSecrets('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG')).toBe(`aws_secret_access_key = ${REDACTED}`);
    expect(redactSecrets('mc: MINIO_ROOT_PASSWORD=Sup3rSecretValue failed')).toBe(`mc: MINIO_ROOT_PASSWORD=${REDACTED} failed`);
    expect(redactSecrets('{"secretKey": "minio123", "region": "minio"}')).toBe(`{"secretKey": "${REDACTED}", "region": "minio"}`);
  });

  it('redacts access keys, secret keys, URL passwords, tokens and presigned signatures, keeping the words around them', () => {
    const text = redactSecrets('aws_access_key_id=AKIAABCDEFGHIJKLMNOP aws_secret_access_key = wJalrXUtnFEMI/K7MDENG s3Url: http://admin:hunter22@minio:9000 Authorization: Bearer eyJhbGciOiJI.x.y ?X-Amz-Signature=deadbeef&x=1');
    expect(text).not.toMatch(/ABCDEFGHIJKLMNOP|wJalrXUtnFEMI|hunter22|eyJhbGciOiJI|deadbeef/);
    expect(text).toContain('aws_secret_access_key');
    expect(text).toContain('@minio:9000');
    expect(text).toContain(`Authorization: Bearer ${REDACTED}`);
    expect(text).toContain(`X-Amz-Signature=${REDACTED}&x=1`);
  });

  it('redacts a bearer token outside an Authorization header, but not ordinary words', () => {
    expect(redactSecrets('sent Bearer eyJhbGciOiJIUzI1 to the API')).toBe(`sent Bearer ${REDACTED} to the API`);
    expect(redactSecrets('backup completed with 2 warnings')).toBe('backup completed with 2 warnings');
  });
});

describe('redactValues: the exact values a run holds', () => {
  it('replaces the longest value first and ignores values too short to be secrets', () => {
    expect(redactValues('key abcd1234 and abcd', ['abcd', 'abcd1234'])).toBe(`key ${REDACTED} and ${REDACTED}`);
    expect(redactValues('xy abc', ['xy'])).toBe('xy abc');
  });
});

describe('Redactor', () => {
  it('redacts a remembered value, its base64 form and each line of a multi-line value, then the patterns', () => {
    const redactor = new Redactor();
    redactor.add('[default]\naws_access_key_id=PLAINID99\naws_secret_access_key=S3cr3tValue');
    expect(redactor.text('id PLAINID99 secret S3cr3tValue')).toBe(`id ${REDACTED} secret ${REDACTED}`);
    expect(redactor.text(`b64 ${Buffer.from('[default]\naws_access_key_id=PLAINID99\naws_secret_access_key=S3cr3tValue').toString('base64')}`)).toBe(`b64 ${REDACTED}`);
    expect(redactor.text('InvalidAccessKeyId: AKIAIOSFODNN7EXAMPLE')).toBe(`InvalidAccessKeyId: ${REDACTED}`);
  });

  it('knownValues leaves credential-shaped fields alone; deep copies redact every string', () => {
    const redactor = new Redactor();
    redactor.add('hunter2hunter2');
    expect(redactor.knownValues('password: other hunter2hunter2')).toBe(`password: other ${REDACTED}`);
    expect(redactor.deep({ env: [{ value: 'hunter2hunter2' }, { value: 'token=abcd' }], n: 3 })).toEqual({ env: [{ value: REDACTED }, { value: `token=${REDACTED}` }], n: 3 });
    expect(redactor.deepKnownValues({ a: ['token=abcd', 'x hunter2hunter2'] })).toEqual({ a: ['token=abcd', `x ${REDACTED}`] });
  });
});
