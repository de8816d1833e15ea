/**
 * Reads of one bucket through an S3Requester (deadline, retries, request count): prefix listings,
 * one-page blob counts, small JSON files, and tarballs streamed for their entry names only.
 * `recorded` turns a failed read into the ProbeError the BucketState keeps.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type GetObjectCommandOutput, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import tar from 'tar-stream';
import { S3Requester, S3RequestError, toProbeError } from './client.ts';
import { classifyTarEntry } from './layout.ts';
import { MAX_TARBALL_ENTRIES, type BlobCount, type ProbeError, type S3ObjectInfo, type TarballSummary } from './types.ts';

interface Listing {
  objects: S3ObjectInfo[];
  prefixes: string[];
  /** More existed beyond the pages read. */
  capped: boolean;
}

function toObjectInfo(item: { Key?: string; Size?: number; LastModified?: Date }): S3ObjectInfo {
  const info: S3ObjectInfo = { key: item.Key ?? '', size: item.Size ?? 0 };
  if (item.LastModified) info.lastModified = item.LastModified.toISOString();
  return info;
}

export class BucketReader {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly requester: S3Requester,
  ) {}

  async list(prefix: string, options: { delimiter?: string; maxKeys?: number; maxPages?: number; retryTimeouts?: boolean } = {}): Promise<Listing> {
    const listing: Listing = { objects: [], prefixes: [], capped: false };
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await this.requester.send<ListObjectsV2CommandOutput>(
        this.client,
        `list ${prefix || '(bucket root)'}`,
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, Delimiter: options.delimiter, MaxKeys: options.maxKeys, ContinuationToken: token }),
        { retryTimeouts: options.retryTimeouts },
      );
      pages += 1;
      listing.objects.push(...(page.Contents ?? []).map(toObjectInfo));
      listing.prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter(Boolean));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (token && options.maxPages !== undefined && pages >= options.maxPages) {
        listing.capped = true;
        break;
      }
    } while (token);
    return listing;
  }

  /** One page only: how many objects start with `prefix`, up to `maxKeys`, and whether there are more. */
  async count(prefix: string, maxKeys: number): Promise<BlobCount> {
    try {
      const page = await this.requester.send<ListObjectsV2CommandOutput>(this.client, `list ${prefix}`, new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: maxKeys }));
      return { count: page.KeyCount ?? page.Contents?.length ?? 0, more: page.IsTruncated === true };
    } catch (error) {
      return { count: 0, more: false, error: toProbeError(error) };
    }
  }

  async getBytes(key: string, maxBytes: number): Promise<Buffer> {
    return this.requester.run(`get ${key}`, async (signal) => {
      const output: GetObjectCommandOutput = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      if ((output.ContentLength ?? 0) > maxBytes) {
        (output.Body as Readable | undefined)?.destroy?.();
        throw malformed(`${key} is ${output.ContentLength} bytes, more than the ${maxBytes} bytes a metadata file may have`);
      }
      return Buffer.from(await output.Body!.transformToByteArray());
    });
  }

  async getJson(key: string, gzipped: boolean): Promise<unknown> {
    const bytes = await this.getBytes(key, 64 * 1024 * 1024);
    let text: string;
    try {
      text = (gzipped ? gunzipSync(bytes, { maxOutputLength: 256 * 1024 * 1024 }) : bytes).toString('utf8');
    } catch (error) {
      throw new S3RequestError({ code: 'Malformed', message: `${key} is not gzip data (${(error as Error).message})` }, `get ${key}`);
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new S3RequestError({ code: 'Malformed', message: `${key} is not JSON (${(error as Error).message})` }, `get ${key}`);
    }
  }

  /** Stream `<name>.tar.gz` through gunzip and tar, keeping entry names only. */
  async tarball(key: string, scope: ReadonlySet<string>): Promise<TarballSummary> {
    return this.requester.run(
      `stream ${key}`,
      async (signal) => {
        const output: GetObjectCommandOutput = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
        const summary: TarballSummary = { entryCount: 0, namespaces: {}, clusterEntries: 0, entries: [], scopeNamespaces: [...scope].sort() };
        const extract = tar.extract();
        extract.on('entry', (header, stream, next) => {
          summary.entryCount += 1;
          const entry = classifyTarEntry(header.name);
          if (entry.kind === 'version-file') {
            const chunks: Buffer[] = [];
            stream.on('data', (chunk: unknown) => {
              chunks.push(chunk as Buffer);
            });
            stream.on('end', () => {
              summary.formatVersion = Buffer.concat(chunks).toString('utf8').trim();
              next();
            });
            return;
          }
          if (entry.kind === 'namespaced') {
            summary.namespaces[entry.namespace] = (summary.namespaces[entry.namespace] ?? 0) + 1;
            if (scope.has(entry.namespace)) {
              if (summary.entries.length < MAX_TARBALL_ENTRIES) summary.entries.push(entry.path);
              else summary.entriesTruncated = true;
            }
          } else if (entry.kind === 'cluster') summary.clusterEntries += 1;
          stream.on('end', next);
          stream.resume();
        });
        try {
          await pipeline(output.Body as Readable, createGunzip(), extract, { signal });
        } catch (error) {
          if (signal.aborted) throw error;
          const code = (error as { code?: string }).code;
          if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') throw error;
          throw new S3RequestError({ code: 'Malformed', message: `${key} is not a gzip'd tar archive (${(error as Error).message})` }, `stream ${key}`);
        }
        summary.entries.sort();
        return summary;
      },
      { timeoutMs: Math.max(1, this.requester.remainingMs()) },
    );
  }
}

function malformed(message: string): Error {
  return Object.assign(new Error(message), { code: 'Malformed' });
}

export async function recorded<T>(run: () => Promise<T>): Promise<{ value?: T; error?: ProbeError }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: toProbeError(error) };
  }
}
