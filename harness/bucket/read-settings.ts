/**
 * The bucket's settings: lifecycle rules, versioning, object lock and policy. A setting that is
 * not configured is recorded as such; any other failure is recorded with its error.
 */
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  type GetBucketLifecycleConfigurationCommandOutput,
  type GetBucketPolicyCommandOutput,
  type GetBucketVersioningCommandOutput,
  type GetObjectLockConfigurationCommandOutput,
} from '@aws-sdk/client-s3';
import { recorded, type BucketReader } from './reader.ts';
import type { BucketState, ProbeError } from './types.ts';

function notConfigured(error: ProbeError | undefined, code: string): boolean {
  return error?.code === code;
}

/** Lifecycle rules with Dates as ISO strings (JSON-stable for captures). */
function jsonStable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null));
}

export async function readSettings(reader: BucketReader, state: BucketState): Promise<void> {
  const { client, bucket, requester } = reader;
  const lifecycle = await recorded(() => requester.send<GetBucketLifecycleConfigurationCommandOutput>(client, 'get lifecycle', new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })));
  if (lifecycle.value) state.lifecycle = { configured: (lifecycle.value.Rules ?? []).length > 0, rules: (jsonStable(lifecycle.value.Rules ?? []) as unknown[]) ?? [] };
  else if (notConfigured(lifecycle.error, 'NoSuchLifecycleConfiguration')) state.lifecycle = { configured: false, rules: [] };
  else state.lifecycle = { configured: false, rules: [], error: lifecycle.error };

  const versioning = await recorded(() => requester.send<GetBucketVersioningCommandOutput>(client, 'get versioning', new GetBucketVersioningCommand({ Bucket: bucket })));
  if (versioning.value) {
    state.versioning = {};
    if (versioning.value.Status === 'Enabled' || versioning.value.Status === 'Suspended') state.versioning.status = versioning.value.Status;
    if (versioning.value.MFADelete) state.versioning.mfaDelete = versioning.value.MFADelete;
  } else state.versioning = { error: versioning.error };

  const lock = await recorded(() => requester.send<GetObjectLockConfigurationCommandOutput>(client, 'get object-lock', new GetObjectLockConfigurationCommand({ Bucket: bucket })));
  if (lock.value) {
    const config = lock.value.ObjectLockConfiguration;
    const retention = config?.Rule?.DefaultRetention;
    state.objectLock = { configured: true, enabled: config?.ObjectLockEnabled === 'Enabled' };
    if (retention?.Mode) state.objectLock.mode = retention.Mode;
    if (retention?.Days !== undefined) state.objectLock.days = retention.Days;
    if (retention?.Years !== undefined) state.objectLock.years = retention.Years;
  } else if (notConfigured(lock.error, 'ObjectLockConfigurationNotFoundError')) state.objectLock = { configured: false };
  else state.objectLock = { configured: false, error: lock.error };

  const policy = await recorded(() => requester.send<GetBucketPolicyCommandOutput>(client, 'get policy', new GetBucketPolicyCommand({ Bucket: bucket })));
  if (policy.value) {
    try {
      state.policy = { present: true, document: JSON.parse(policy.value.Policy ?? 'null') };
    } catch {
      state.policy = { present: true, document: policy.value.Policy, error: { code: 'Malformed', message: 'the bucket policy is not JSON' } };
    }
  } else if (notConfigured(policy.error, 'NoSuchBucketPolicy')) state.policy = { present: false };
  else state.policy = { present: false, error: policy.error };
}
