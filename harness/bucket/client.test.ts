import { describe, expect, it } from 'vitest';
import { AuditInputError } from '../errors.ts';
import type { KubeObject } from '../state.ts';
import { credentialsFromCloudFile, credentialsFromEnv, endpointOverrideFromEnv, isRetryable, S3Requester, s3LocationFromBsl, toProbeError } from './client.ts';

const SECRET = 'super-secret-value-42';

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('credentialsFromCloudFile', () => {
  it('keeps ; and # inside the secret, as the AWS SDK reads the file', () => {
    expect(credentialsFromCloudFile('[default]\naws_access_key_id=velero\naws_secret_access_key=a;b#c\n')).toEqual({ accessKeyId: 'velero', secretAccessKey: 'a;b#c' });
  });

  it('reads the [default] profile of the Secret key "cloud" (docs/velero-facts.md §6)', () => {
    expect(credentialsFromCloudFile(`[default]\naws_access_key_id=velero\naws_secret_access_key=${SECRET}\n`)).toEqual({ accessKeyId: 'velero', secretAccessKey: SECRET });
  });

  it('reads another profile and a session token', () => {
    const text = `[default]\naws_access_key_id=a\naws_secret_access_key=b\n\n[minio]\naws_access_key_id = c \naws_secret_access_key = d\naws_session_token = t\n`;
    expect(credentialsFromCloudFile(text, 'minio')).toEqual({ accessKeyId: 'c', secretAccessKey: 'd', sessionToken: 't' });
  });

  it('names what is missing and never the values', () => {
    const noProfile = thrown(() => credentialsFromCloudFile(`[other]\naws_access_key_id=x\naws_secret_access_key=${SECRET}\n`));
    expect(noProfile).toBeInstanceOf(AuditInputError);
    expect(noProfile.message).toMatch(/no \[default\] profile \(found: other\)/);
    const noSecret = thrown(() => credentialsFromCloudFile('[default]\naws_access_key_id=velero\n'));
    expect(noSecret.message).toMatch(/lacks aws_secret_access_key/);
    const half = thrown(() => credentialsFromCloudFile(`[default]\naws_secret_access_key=${SECRET}\n`));
    expect(half.message).not.toContain(SECRET);
  });
});

describe('credentialsFromEnv and endpointOverrideFromEnv', () => {
  it('reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN', () => {
    expect(credentialsFromEnv({})).toBeUndefined();
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: SECRET })).toEqual({ accessKeyId: 'a', secretAccessKey: SECRET });
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_SESSION_TOKEN: 't' })?.sessionToken).toBe('t');
    const half = thrown(() => credentialsFromEnv({ AWS_SECRET_ACCESS_KEY: SECRET }));
    expect(half).toBeInstanceOf(AuditInputError);
    expect(half.message).toMatch(/only AWS_SECRET_ACCESS_KEY is set/);
    expect(half.message).not.toContain(SECRET);
  });

  it('validates VELERO_VERIFY_S3_ENDPOINT', () => {
    expect(endpointOverrideFromEnv({})).toBeUndefined();
    expect(endpointOverrideFromEnv({ VELERO_VERIFY_S3_ENDPOINT: 'http://127.0.0.1:9000/' })).toBe('http://127.0.0.1:9000');
    expect(thrown(() => endpointOverrideFromEnv({ VELERO_VERIFY_S3_ENDPOINT: 'ftp://x' })).message).toMatch(/http:\/\/ or https:\/\//);
    expect(thrown(() => endpointOverrideFromEnv({ VELERO_VERIFY_S3_ENDPOINT: 'not a url' })).message).toMatch(/is not a URL/);
  });
});

describe('s3LocationFromBsl', () => {
  const bsl: KubeObject = {
    apiVersion: 'velero.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { name: 'default', namespace: 'velero' },
    spec: {
      provider: 'aws',
      objectStorage: { bucket: 'homelab-backup-velero', prefix: 'cluster-a' },
      config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: 'http://10.10.10.209:9000' },
    },
  };

  it('reads bucket, prefix, region, path style and s3Url; an override replaces the endpoint', () => {
    expect(s3LocationFromBsl(bsl)).toEqual({ endpoint: 'http://10.10.10.209:9000', bucket: 'homelab-backup-velero', prefix: 'cluster-a', region: 'minio', forcePathStyle: true });
    expect(s3LocationFromBsl(bsl, { endpoint: 'http://127.0.0.1:39000' }).endpoint).toBe('http://127.0.0.1:39000');
  });

  it('says what is missing', () => {
    const noUrl = { ...bsl, spec: { ...bsl.spec, config: { region: 'minio' } } };
    expect(thrown(() => s3LocationFromBsl(noUrl)).message).toMatch(/BackupStorageLocation velero\/default has no spec\.config\.s3Url .*--s3-endpoint/);
    const noBucket = { ...bsl, spec: { provider: 'aws', objectStorage: {} } };
    expect(thrown(() => s3LocationFromBsl(noBucket)).message).toMatch(/no spec\.objectStorage\.bucket/);
  });
});

describe('S3Requester', () => {
  it('retries retryable failures with backoff until success', async () => {
    const requester = new S3Requester({ deadlineMs: 5_000, backoffMs: 10 });
    let calls = 0;
    const value = await requester.run('x', async () => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(requester.count).toBe(3);
  });

  it('does not retry a definite answer', async () => {
    const requester = new S3Requester({ deadlineMs: 5_000, backoffMs: 10 });
    await expect(requester.run('x', async () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })))).rejects.toThrow(/x: denied/);
    expect(requester.count).toBe(1);
  });

  it('gives up at the deadline with the last error, after the backoffs that fit in it', async () => {
    // A clock the test owns: sleeping advances it, so the count is exact on any machine.
    let now = 1_000_000;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const requester = new S3Requester({ deadlineMs: 300, backoffMs: 50, clock });
    const slowDown = () => Promise.reject(Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }));
    await expect(requester.run('x', slowDown)).rejects.toThrow(/^x: slow down \(still failing when the deadline ran out\)$/);
    // Attempts at 0, 50 and 150 ms; the next backoff (200 ms) is cut to the 150 ms left.
    expect(requester.count).toBe(3);
    expect(now).toBe(1_000_300);
    await expect(requester.run('y', slowDown)).rejects.toThrow(/^y: not attempted: the 300 ms deadline for reading the bucket ran out$/);
  });

  it('names the budget that ended an unanswered request as configured, not the milliseconds left', async () => {
    const never = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const perRequest = new S3Requester({ deadlineMs: 60_000, requestTimeoutMs: 40 });
    await expect(perRequest.run('list', never, { retryTimeouts: false })).rejects.toThrow(/^list: no answer within the 40 ms request timeout$/);
    const whole = new S3Requester({ deadlineMs: 40, requestTimeoutMs: 15_000 });
    await expect(whole.run('list', never)).rejects.toThrow(/^list: no answer within the 40 ms deadline$/);
    expect(whole.count).toBe(1);
  });

  it('classifies errors', () => {
    expect(isRetryable(toProbeError(Object.assign(new Error('x'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } })))).toBe(true);
    expect(isRetryable(toProbeError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })))).toBe(false);
    expect(toProbeError(Object.assign(new Error('UnknownError'), { name: '403', $metadata: { httpStatusCode: 403 } }))).toMatchObject({ code: 'AccessDenied', httpStatus: 403 });
    expect(toProbeError(Object.assign(new Error('x'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }))).toMatchObject({ code: 'NotFound' });
  });
});
