/**
 * The kind tier's object store: MinIO in a container (testcontainers), joined to the docker
 * network `kind` so Velero in the cluster reaches it by its container address, while the harness
 * reaches it through the port mapped on the host.
 *
 * Isolated behind `ObjectStoreStarter` so the tier's setup/teardown sequence can be tested where
 * no Docker engine runs (a test passes its own starter); `startMinioContainer` is the real one.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describeError } from '../errors.ts';
import type { S3Credentials } from '../deploy/credentials.ts';

/**
 * Docker Hub's minio/minio images are gone (DESIGN.md §8); the archived releases remain on
 * quay.io. RELEASE.2025-09-07T16-13-09Z is the last published community release.
 */
export const DEFAULT_MINIO_IMAGE = 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z';
export const MINIO_IMAGE_ENV = 'VELERO_VERIFY_MINIO_IMAGE';
const MINIO_S3_PORT = 9000;
const BUCKET_DEADLINE_MS = 30_000;

export interface StartedObjectStore {
  /** Endpoint for the harness (host side, mapped port), e.g. http://localhost:32768. */
  hostEndpoint: string;
  /** Endpoint for Velero inside the cluster (container address on the `kind` network). */
  clusterEndpoint: string;
  credentials: S3Credentials;
  /** For the report and for manual cleanup when kept. */
  description: string;
  containerId?: string;
  stop(): Promise<void>;
}

export interface ObjectStoreOptions {
  image: string;
  /** Docker network to join (kind's nodes are on `kind`). */
  network: string;
  /** The container may have to outlive this process: start it without Ryuk reaping (stop() still removes it). */
  keep: boolean;
  runId: string;
}

export type ObjectStoreStarter = (options: ObjectStoreOptions) => Promise<StartedObjectStore>;

/** The real starter: @testcontainers/minio (loaded only here, on machines with Docker). */
export const startMinioContainer: ObjectStoreStarter = async (options) => {
  const { MinioContainer } = await import('@testcontainers/minio');
  // Root credentials of a throwaway server, random per run; they reach Velero only through the Secret.
  const username = `velero-verify-${randomBytes(3).toString('hex')}`;
  const password = randomBytes(24).toString('base64url');
  let container = new MinioContainer(options.image)
    .withUsername(username)
    .withPassword(password)
    .withNetworkMode(options.network)
    .withLabels({ 'app.kubernetes.io/managed-by': 'velero-verify', 'velero-verify/run-id': options.runId });
  // A kept container must survive the test process, so Ryuk must not reap it.
  if (options.keep) container = container.withAutoCleanup(false);
  const started = await container.start();
  const id = started.getId();
  return {
    hostEndpoint: started.getConnectionUrl(),
    clusterEndpoint: `http://${started.getIpAddress(options.network)}:${MINIO_S3_PORT}`,
    credentials: { accessKeyId: username, secretAccessKey: password },
    description: `MinIO ${options.image} (container ${id.slice(0, 12)})`,
    containerId: id,
    stop: async () => {
      await started.stop({ remove: true, removeVolumes: true });
    },
  };
};

/** Create the plan's bucket through the S3 API (path style); an existing bucket of ours is fine. */
export async function createBucket(options: { endpoint: string; credentials: S3Credentials; bucket: string; region: string }): Promise<void> {
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region || 'us-east-1',
    forcePathStyle: true,
    credentials: { ...options.credentials },
    maxAttempts: 3,
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: options.bucket }), { abortSignal: AbortSignal.timeout(BUCKET_DEADLINE_MS) });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'BucketAlreadyOwnedByYou') return;
    throw new Error(`creating bucket "${options.bucket}" at ${options.endpoint} failed: ${name && name !== 'Error' ? `${name}: ` : ''}${describeError(error)}`);
  } finally {
    client.destroy();
  }
}
