/**
 * The kind tier's object store: MinIO in a container started with the `docker` CLI (through the
 * library's runner), joined to kind's docker network so that Velero in the cluster reaches it by
 * its container address, while the harness reaches it through a port published on 127.0.0.1 only
 * (a developer's laptop must not offer a MinIO to its LAN).
 *
 * The bucket is then made to look like the plan's: created, given the plan's lifecycle
 * (`retention.bucketLifecycle`, so that beyond.retention judges the rule the homelab declares),
 * and read back — the tier owns this bucket and its credentials, so a bucket it cannot read is a
 * failure of the tier, never a SKIP.
 *
 * Isolated behind `ObjectStoreStarter` so the tier's sequence can be tested without Docker.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  ListBucketsCommand,
  PutBucketLifecycleConfigurationCommand,
  S3Client,
  type LifecycleRule as S3LifecycleRule,
} from '@aws-sdk/client-s3';
import { describeError } from '../errors.ts';
import type { S3Credentials } from '../deploy/credentials.ts';
import type { DeclaredLifecycleRule } from '../judge/lifecycle/rule.ts';
import { describeFailure, runCommand } from '../tools/run.ts';

/**
 * Docker Hub's minio/minio images are gone; the archived releases remain on quay.io.
 * RELEASE.2025-09-07T16-13-09Z is the last published community release (docs/kind-tier.md).
 */
export const DEFAULT_MINIO_IMAGE = 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z';
export const MINIO_IMAGE_ENV = 'VELERO_VERIFY_MINIO_IMAGE';
/** kind's own setting for the docker network its nodes join (kind `pkg/cluster/internal/providers/docker/network.go`). */
export const KIND_NETWORK_ENV = 'KIND_EXPERIMENTAL_DOCKER_NETWORK';
const DEFAULT_KIND_NETWORK = 'kind';
const MINIO_S3_PORT = 9000;
const DOCKER_DEADLINE_MS = 5 * 60_000; // `docker run` may pull the image first
const DOCKER_QUERY_DEADLINE_MS = 30_000;
const SERVING_DEADLINE_MS = 60_000;
const BUCKET_DEADLINE_MS = 30_000;

/** The docker network kind puts its nodes on: kind's own override, else `kind`. */
export function kindNetwork(env: NodeJS.ProcessEnv): string {
  return env[KIND_NETWORK_ENV]?.trim() || DEFAULT_KIND_NETWORK;
}

export interface StartedObjectStore {
  /** Endpoint for the harness (published on 127.0.0.1), e.g. http://127.0.0.1:32768. */
  hostEndpoint: string;
  /** Endpoint for Velero inside the cluster (container address on kind's network). */
  clusterEndpoint: string;
  credentials: S3Credentials;
  /** For the report and for manual cleanup when kept. */
  description: string;
  containerId?: string;
  stop(): Promise<void>;
}

export interface ObjectStoreOptions {
  image: string;
  /** Docker network to join (kind's nodes are on it). */
  network: string;
  runId: string;
  /** Environment of the docker CLI (PATH, DOCKER_HOST, …). */
  env: NodeJS.ProcessEnv;
  /** Ctrl-C: the running docker command is stopped. */
  signal?: AbortSignal;
  /** Called with the container id as soon as it exists, so that teardown can remove it even if a later step fails. */
  onCreated?: (containerId: string) => void;
  /** Pause between readiness probes (tests pass a short one). */
  pollMs?: number;
}

export type ObjectStoreStarter = (options: ObjectStoreOptions) => Promise<StartedObjectStore>;

const LABELS = (runId: string) => ['--label', 'app.kubernetes.io/managed-by=velero-verify', '--label', `velero-verify/run-id=${runId}`];

/** The `docker run` of the MinIO container: no secret in it (MinIO's root credentials come from the CLI's environment). */
function minioRunArgs(options: { image: string; network: string; runId: string }): string[] {
  return [
    'docker', 'run', '--detach',
    '--name', `velero-verify-minio-${options.runId}`,
    '--network', options.network,
    '--publish', `127.0.0.1::${MINIO_S3_PORT}`,
    ...LABELS(options.runId),
    // `--env NAME` without a value: docker copies NAME from its own environment, so the value never is an argument.
    '--env', 'MINIO_ROOT_USER',
    '--env', 'MINIO_ROOT_PASSWORD',
    options.image, 'server', '/data',
  ];
}

/** The real starter: `docker run` MinIO, find its addresses, wait until it serves S3. */
export const startMinioContainer: ObjectStoreStarter = async (options) => {
  // Root credentials of a throwaway server, random per run; they reach Velero only through the Secret.
  const credentials: S3Credentials = { accessKeyId: `velero-verify-${randomBytes(3).toString('hex')}`, secretAccessKey: randomBytes(24).toString('base64url') };
  const redact = [credentials.secretAccessKey];
  const env = { ...options.env, MINIO_ROOT_USER: credentials.accessKeyId, MINIO_ROOT_PASSWORD: credentials.secretAccessKey };
  const docker = async (argv: string[], timeoutMs = DOCKER_QUERY_DEADLINE_MS) => {
    const result = await runCommand(argv, { env, timeoutMs, signal: options.signal, redact });
    if (result.exitCode !== 0) throw new Error(describeFailure(result, { words: 2, redact }));
    return result.stdout.trim();
  };

  const containerId = (await docker(minioRunArgs(options), DOCKER_DEADLINE_MS)).split('\n').at(-1)!.trim();
  if (!/^[0-9a-f]{12,64}$/.test(containerId)) throw new Error(`docker run did not print a container id (got "${containerId.slice(0, 80)}")`);
  options.onCreated?.(containerId);
  const remove = async () => {
    const result = await runCommand(['docker', 'rm', '--force', '--volumes', containerId], { env: options.env, timeoutMs: DOCKER_QUERY_DEADLINE_MS });
    if (result.exitCode !== 0) throw new Error(describeFailure(result, { words: 2 }));
  };

  const published = await docker(['docker', 'port', containerId, `${MINIO_S3_PORT}/tcp`]);
  const hostPort = published
    .split('\n')
    .map((line) => /^127\.0\.0\.1:(\d+)$/.exec(line.trim())?.[1])
    .find(Boolean);
  if (!hostPort) throw new Error(`MinIO's port ${MINIO_S3_PORT} is not published on 127.0.0.1 (docker port said "${published.slice(0, 120)}")`);
  const address = await docker(['docker', 'inspect', '--format', `{{(index .NetworkSettings.Networks "${options.network}").IPAddress}}`, containerId]);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) throw new Error(`MinIO has no address on the docker network "${options.network}" (docker inspect said "${address.slice(0, 120)}")`);

  const hostEndpoint = `http://127.0.0.1:${hostPort}`;
  await waitUntilServing({ endpoint: hostEndpoint, credentials, signal: options.signal, pollMs: options.pollMs });
  return {
    hostEndpoint,
    clusterEndpoint: `http://${address}:${MINIO_S3_PORT}`,
    credentials,
    description: `MinIO ${options.image} (container ${containerId.slice(0, 12)})`,
    containerId,
    stop: remove,
  };
};

function s3Client(endpoint: string, credentials: S3Credentials, region?: string): S3Client {
  return new S3Client({ endpoint, region: region || 'us-east-1', forcePathStyle: true, credentials: { ...credentials }, maxAttempts: 1 });
}

/** MinIO accepts connections a moment after the container starts: ask until it answers, with a deadline. */
async function waitUntilServing(options: { endpoint: string; credentials: S3Credentials; signal?: AbortSignal; pollMs?: number }): Promise<void> {
  const client = s3Client(options.endpoint, options.credentials);
  const deadline = Date.now() + SERVING_DEADLINE_MS;
  let last = '';
  try {
    for (;;) {
      if (options.signal?.aborted) throw new Error('interrupted');
      try {
        await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(5_000) });
        return;
      } catch (error) {
        last = describeError(error);
      }
      if (Date.now() >= deadline) throw new Error(`MinIO at ${options.endpoint} did not answer within ${SERVING_DEADLINE_MS / 1000}s (last: ${last})`);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    }
  } finally {
    client.destroy();
  }
}

export interface BucketSetup {
  endpoint: string;
  credentials: S3Credentials;
  bucket: string;
  region: string;
  /** The plan's declared lifecycle; `[]` = none. */
  lifecycle: readonly DeclaredLifecycleRule[];
}

/** The plan's lifecycle as S3 rules: one Expiration per declared prefix. */
function lifecycleRulesOf(declared: readonly DeclaredLifecycleRule[]): S3LifecycleRule[] {
  return declared.map((rule, index) => ({
    ID: `velero-verify-plan-${index + 1}`,
    Status: 'Enabled',
    Filter: { Prefix: rule.prefix },
    Expiration: { Days: rule.expirationDays },
  }));
}

/**
 * Create the plan's bucket (an existing bucket of ours is fine), apply the plan's lifecycle and
 * read it back. Any failure is an error of the tier: it created the bucket and holds its keys.
 */
export async function createBucket(options: BucketSetup): Promise<void> {
  const client = s3Client(options.endpoint, options.credentials, options.region);
  const deadline = () => ({ abortSignal: AbortSignal.timeout(BUCKET_DEADLINE_MS) });
  const what = (step: string, error: unknown) => {
    const name = (error as { name?: string }).name;
    return new Error(`${step} "${options.bucket}" at ${options.endpoint} failed: ${name && name !== 'Error' ? `${name}: ` : ''}${describeError(error)}`);
  };
  try {
    try {
      await client.send(new CreateBucketCommand({ Bucket: options.bucket }), deadline());
    } catch (error) {
      if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw what('creating bucket', error);
    }
    if (options.lifecycle.length === 0) return;
    const rules = lifecycleRulesOf(options.lifecycle);
    try {
      await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: options.bucket, LifecycleConfiguration: { Rules: rules } }), deadline());
    } catch (error) {
      throw what('applying the plan\'s lifecycle to bucket', error);
    }
    let readBack: number;
    try {
      readBack = ((await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: options.bucket }), deadline())).Rules ?? []).length;
    } catch (error) {
      throw what('reading back the lifecycle of bucket', error);
    }
    if (readBack !== rules.length) throw new Error(`the lifecycle of bucket "${options.bucket}" has ${readBack} rule(s) after applying ${rules.length}`);
  } finally {
    client.destroy();
  }
}
