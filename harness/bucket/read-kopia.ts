/**
 * One namespace's Kopia repository in the bucket (`kopia/<ns>/`): its format blobs, one page of
 * pack counts per blob kind, and the lifecycle expiry the store predicts for `kopia.repository`.
 */
import { HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { kopiaFolder } from './layout.ts';
import { recorded, type BucketReader } from './reader.ts';
import type { KopiaRepositoryInBucket } from './types.ts';

export async function readKopiaRepository(reader: BucketReader, prefix: string, namespace: string, pageSize: number): Promise<KopiaRepositoryInBucket> {
  const folder = kopiaFolder(prefix, namespace);
  // `kopia.` sorts after every hex-named blob: a prefix listing finds the format blobs in one small page.
  const meta = await recorded(() => reader.list(`${folder}kopia.`, { maxPages: 2 }));
  const metaBlobs = meta.value?.objects ?? [];
  const names = new Set(metaBlobs.map((blob) => blob.key.slice(folder.length)));
  const repository: KopiaRepositoryInBucket = {
    namespace,
    prefix: folder,
    metaBlobs,
    hasRepository: names.has('kopia.repository'),
    hasBlobcfg: names.has('kopia.blobcfg'),
    packs: {
      p: await reader.count(`${folder}p`, pageSize),
      q: await reader.count(`${folder}q`, pageSize),
      x: await reader.count(`${folder}x`, pageSize),
    },
  };
  if (meta.error) repository.metaError = meta.error;
  if (repository.hasRepository) {
    // MinIO predicts lifecycle expiry per object (x-amz-expiration): the empirical check of docs/retention-and-exposure.md §4.3 (rule K2).
    const head = await recorded(() =>
      reader.requester.send<HeadObjectCommandOutput>(reader.client, `head ${folder}kopia.repository`, new HeadObjectCommand({ Bucket: reader.bucket, Key: `${folder}kopia.repository` })),
    );
    if (head.error) repository.repositoryHeadError = head.error;
    else if (head.value?.Expiration) repository.repositoryExpiration = head.value.Expiration;
  }
  return repository;
}
