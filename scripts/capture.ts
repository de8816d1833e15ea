/**
 * Command line of the capture script (entry: scripts/capture.mjs, which loads this file through
 * tsx): snapshot a cluster for offline audits (`npm run audit -- --snapshot <dir>`).
 *
 * Writes `<dir>/*.yaml` from `kubectl get … -o yaml` (read-only verbs only) and the bucket
 * capture `<dir>/bucket/` (harness/bucket/capture.ts). Secrets are reduced before anything is
 * written: metadata and key names stay, every value is replaced (docs/architecture.md §5); the facts the
 * judges need (a credentials file has both keys, the repository password is Velero's default)
 * are kept as a yes/no annotation. The S3 credentials come from AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY, else from the BSL's credentials Secret — in memory only.
 *
 * Exit codes: 0 captured (a bucket that could not be read is recorded and reported), 1 the cluster
 * could not be read at all, 2 usage or configuration error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { writeBucketCapture } from '../harness/bucket/capture.ts';
import { credentialsFromCloudFile, credentialsFromEnv, endpointOverrideFromEnv, s3LocationFromBsl, type S3Credentials } from '../harness/bucket/client.ts';
import { BucketAccessError, unreadableBucketState } from '../harness/bucket/access-error.ts';
import { collectBucket } from '../harness/bucket/collect.ts';
import { buildState, flattenLists, isKubeObject } from '../harness/collect/objects.ts';
import { CAPTURED_FACTS_ANNOTATION, REDACTED_ANNOTATION, summarizeSecret } from '../harness/collect/secrets.ts';
import { runCommand } from '../harness/tools/run.ts';
import { parseGoDuration } from '../harness/duration.ts';
import { AuditInputError, describeError, isAuditInputError } from '../harness/errors.ts';
import { bucketScope } from '../harness/judge/dod-data-in-bucket.ts';
import { selectPlanBsl } from '../harness/judge/facts/plan-objects.ts';
import { loadPlan } from '../harness/plan.ts';
import { CAPTURE_META_DIR, CAPTURE_META_FILE } from '../harness/targets/snapshot.ts';
import type { KubeObject } from '../harness/state.ts';
import { parseFlags, processIo, type MainIo } from './io.ts';

export type { MainIo };

const USAGE = `Usage: node scripts/capture.mjs --out <dir> [options]

Capture a cluster's Velero state for offline audits (npm run audit -- --snapshot <dir>).
Only get/list requests are made; Secret values are never written.

  --out <dir>               Directory to write (created; existing files are overwritten).
  --context <name>          kubeconfig context (default: the current context).
  --kubeconfig <file>       kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config).
  --namespace <name>        Velero's namespace (default: the plan's, velero).
  --config <file>           BackupPlan file (default: velero-verify.yaml in the working directory).
  --s3-endpoint <url>       Read the bucket here instead of the BSL's s3Url (also VELERO_VERIFY_S3_ENDPOINT).
  --backup <name>           The manual backup to capture from the bucket (default: the newest manual one).
  --no-bucket               Capture the cluster only.
  --timeout <duration>      Deadline per kubectl call (default 60s).
  --bucket-timeout <dur>    Deadline for reading the bucket (default 120s).
  -h, --help                This text.

S3 credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the BSL's credentials Secret (key "cloud").
Exit codes: 0 captured, 1 the cluster could not be read, 2 usage or configuration error.`;


/** Annotations of a reduced Secret (yes/no facts only, never a value); read back by summarizeSecret. */
export { CAPTURED_FACTS_ANNOTATION, REDACTED_ANNOTATION };
const PLACEHOLDER = 'REDACTED-BY-VELERO-VERIFY';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** What to capture: file name → `kubectl get` arguments. Namespaced groups take `-n`, the rest `-A` or nothing. */
export function captureQueries(namespace: string): Array<{ file: string; args: string[]; optional?: boolean }> {
  const velero = [
    'backups.velero.io',
    'schedules.velero.io',
    'backupstoragelocations.velero.io',
    'volumesnapshotlocations.velero.io',
    'podvolumebackups.velero.io',
    'podvolumerestores.velero.io',
    'restores.velero.io',
    'backuprepositories.velero.io',
    'deletebackuprequests.velero.io',
  ];
  return [
    { file: 'velero.yaml', args: ['get', velero.join(','), '-n', namespace, '-o', 'yaml'] },
    { file: 'workloads.yaml', args: ['get', 'deployments,daemonsets,jobs,configmaps,events', '-n', namespace, '-o', 'yaml'] },
    { file: 'secrets.yaml', args: ['get', 'secrets', '-n', namespace, '-o', 'yaml'] },
    { file: 'cluster.yaml', args: ['get', 'nodes,namespaces,persistentvolumes', '-o', 'yaml'] },
    { file: 'pods.yaml', args: ['get', 'pods,persistentvolumeclaims,services', '-A', '-o', 'yaml'] },
    { file: 'ingresses.yaml', args: ['get', 'ingresses', '-A', '-o', 'yaml'], optional: true },
    { file: 'httproutes.yaml', args: ['get', 'httproutes.gateway.networking.k8s.io', '-A', '-o', 'yaml'], optional: true },
  ];
}

/** Same shape as the original value, no secret: an INI keeps its sections and key names. */
function placeholderFor(value: string): string {
  if (/^\s*\[[^\]]+\]\s*$/m.test(value) && /=/.test(value)) {
    return value
      .split(/\r?\n/)
      .map((line) => {
        const eq = line.indexOf('=');
        if (eq < 0 || /^\s*[#;[]/.test(line)) return line;
        return line.slice(eq + 1).trim() === '' ? line : `${line.slice(0, eq).trimEnd()}=${PLACEHOLDER}`;
      })
      .join('\n');
  }
  return value === '' ? '' : PLACEHOLDER;
}

/**
 * A Secret without values: metadata (no last-applied-configuration, which holds the values), type,
 * key names with placeholders, and the judge-relevant facts as an annotation.
 */
export function reduceSecret(secret: KubeObject, credentialKeys: string[]): KubeObject {
  const summary = summarizeSecret(secret, { credentialKeys });
  const facts: Record<string, unknown> = {};
  if (summary.credentialFiles) facts.credentialFiles = summary.credentialFiles;
  if (summary.repositoryPasswordIsDefault !== undefined) facts.repositoryPasswordIsDefault = summary.repositoryPasswordIsDefault;
  const annotations = { ...(secret.metadata.annotations ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  annotations[REDACTED_ANNOTATION] = 'true';
  if (Object.keys(facts).length) annotations[CAPTURED_FACTS_ANNOTATION] = JSON.stringify(facts);
  const metadata: Record<string, unknown> = { ...secret.metadata, annotations };
  delete metadata.managedFields;
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries((secret.data ?? {}) as Record<string, unknown>)) {
    data[key] = b64(placeholderFor(typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : ''));
  }
  for (const [key, value] of Object.entries((secret.stringData ?? {}) as Record<string, unknown>)) data[key] = b64(placeholderFor(String(value ?? '')));
  const reduced: KubeObject = { apiVersion: secret.apiVersion ?? 'v1', kind: 'Secret', metadata: metadata as unknown as KubeObject['metadata'] };
  if (secret.type) reduced.type = secret.type;
  reduced.data = data;
  return reduced;
}

function kubectlArgs(flags: { context?: string; kubeconfig?: string }, args: string[]): string[] {
  return ['kubectl', ...(flags.kubeconfig ? ['--kubeconfig', flags.kubeconfig] : []), ...(flags.context ? ['--context', flags.context] : []), ...args];
}

function durationFlag(value: string | undefined, fallbackMs: number, flag: string): number {
  if (value === undefined) return fallbackMs;
  const ms = parseGoDuration(value);
  if (ms === undefined || ms <= 0) throw new AuditInputError(`${flag} "${value}" is not a positive duration such as "60s" or "2m".`);
  return ms;
}

/** The credentials Velero uses, read from the captured (not yet reduced) Secret in memory. */
function credentialsFromClusterSecret(secrets: KubeObject[], bsl: KubeObject | undefined, fallback: { name: string; key: string; namespace: string }): S3Credentials {
  const reference = (bsl?.spec?.credential ?? {}) as { name?: string; key?: string };
  const name = reference.name ?? fallback.name;
  const key = reference.key ?? fallback.key;
  const secret = secrets.find((candidate) => candidate.metadata.name === name);
  const encoded = (secret?.data as Record<string, string> | undefined)?.[key];
  if (!encoded) {
    throw new AuditInputError(
      `No S3 credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set and Secret ${fallback.namespace}/${name} has no key "${key}". Set the variables, or pass --no-bucket.`,
    );
  }
  const profile = (bsl?.spec?.config as Record<string, string> | undefined)?.profile ?? 'default';
  return credentialsFromCloudFile(Buffer.from(encoded, 'base64').toString('utf8'), profile);
}

/** Run the capture command line; resolves to the exit code. */
export async function main(argv: string[], io: MainIo = processIo): Promise<number> {
  const parsed = parseFlags('capture', argv, {
    out: { type: 'string' },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    namespace: { type: 'string' },
    config: { type: 'string' },
    's3-endpoint': { type: 'string' },
    backup: { type: 'string' },
    'no-bucket': { type: 'boolean', default: false },
    timeout: { type: 'string' },
    'bucket-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  }, USAGE, io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { flags } = parsed;
  try {
    if (!flags.out) throw new AuditInputError('--out <dir> is required: the directory the snapshot is written to.');
    const { plan } = loadPlan({ explicitPath: flags.config, cwd: io.cwd });
    const namespace = flags.namespace ?? plan.namespace;
    const timeoutMs = durationFlag(flags.timeout, 60_000, '--timeout');
    const bucketTimeoutMs = durationFlag(flags['bucket-timeout'], 120_000, '--bucket-timeout');
    const endpointOverride = flags['s3-endpoint'] ?? endpointOverrideFromEnv(io.env);
    const envCredentials = credentialsFromEnv(io.env);
    const out = resolve(io.cwd, flags.out);
    mkdirSync(out, { recursive: true });
    // Recorded before the first read: the audit judges freshness at this time, not at the newest
    // timestamp in the data (which an old capture of a stopped Velero would make look fresh).
    const capturedAt = (io.now?.() ?? new Date()).toISOString();

    // 1. Cluster objects, one kubectl call per group.
    const log: string[] = [`velero-verify capture, namespace ${namespace}${flags.context ? `, context ${flags.context}` : ''}, started ${new Date().toISOString()}`];
    const objects: KubeObject[] = [];
    const rawSecrets: KubeObject[] = [];
    let succeeded = 0;
    for (const query of captureQueries(namespace)) {
      const argv = kubectlArgs(flags, query.args);
      const result = await runCommand(argv, { env: io.env, timeoutMs });
      if (result.exitCode !== 0) {
        const why = result.timedOut ? `no answer within ${timeoutMs / 1000}s` : result.stderr.trim().split('\n')[0] || `exit code ${result.exitCode}`;
        log.push(`${query.file}: ${argv.join(' ')} failed: ${why}`);
        if (!query.optional) io.stderr(`capture: warning: ${query.file} not captured: ${why}\n`);
        continue;
      }
      succeeded += 1;
      let document: unknown;
      try {
        document = parseYaml(result.stdout);
      } catch (error) {
        log.push(`${query.file}: kubectl output is not YAML (${describeError(error)})`);
        io.stderr(`capture: warning: ${query.file}: kubectl output is not YAML\n`);
        continue;
      }
      const items = flattenLists([document]).filter(isKubeObject);
      let toWrite: unknown = document;
      if (query.file === 'secrets.yaml') {
        rawSecrets.push(...items.filter((item) => item.kind === 'Secret'));
        toWrite = { apiVersion: 'v1', kind: 'List', items: items.map((item) => (item.kind === 'Secret' ? reduceSecret(item, [plan.credentials.key]) : item)) };
      }
      objects.push(...items.filter((item) => item.kind !== 'Secret'));
      writeFileSync(join(out, query.file), toYaml(toWrite));
      log.push(`${query.file}: ${items.length} object(s)`);
    }
    if (succeeded === 0) {
      writeFileSync(join(out, 'capture-log.txt'), `${log.join('\n')}\n`);
      io.stderr(`capture: the cluster could not be read (every kubectl call failed; see ${join(out, 'capture-log.txt')}). Check --context/--kubeconfig.\n`);
      return 1;
    }

    // 2. The bucket, for the backups and namespaces the judges look at.
    let bucketLine = 'bucket: skipped (--no-bucket)';
    if (!flags['no-bucket']) {
      const state = buildState(objects, { source: { target: 'snapshot', description: 'capture' }, namespace, credentialKeys: [plan.credentials.key] });
      const scopedPlan = { ...plan, namespace };
      const bsl = selectPlanBsl(state, scopedPlan).object;
      if (!bsl) {
        bucketLine = 'bucket: not captured (no BackupStorageLocation found)';
        io.stderr(`capture: warning: no BackupStorageLocation in ${namespace}; the bucket was not captured.\n`);
      } else {
        const location = s3LocationFromBsl(bsl, { endpoint: endpointOverride });
        const credentials = envCredentials ?? credentialsFromClusterSecret(rawSecrets, bsl, { name: plan.credentials.secretName, key: plan.credentials.key, namespace });
        const scope = bucketScope(state, scopedPlan, flags.backup);
        let bucketState;
        try {
          bucketState = await collectBucket({ ...location, credentials, ...scope, deadlineMs: bucketTimeoutMs });
          bucketLine = `bucket: ${location.bucket} at ${location.endpoint}: ${bucketState.backups.length} backup(s), ${bucketState.kopia.repositories.length} Kopia repositor${bucketState.kopia.repositories.length === 1 ? 'y' : 'ies'}, ${bucketState.requestCount} request(s)`;
        } catch (error) {
          if (!(error instanceof BucketAccessError)) throw error;
          bucketState = unreadableBucketState(location, error.message);
          bucketLine = `bucket: NOT READABLE — ${error.message}`;
          io.stderr(`capture: warning: ${error.message}\n`);
        }
        writeBucketCapture(join(out, 'bucket'), bucketState);
      }
    }
    log.push(bucketLine);
    writeFileSync(join(out, 'capture-log.txt'), `${log.join('\n')}\n`);
    mkdirSync(join(out, CAPTURE_META_DIR), { recursive: true });
    writeFileSync(join(out, CAPTURE_META_DIR, CAPTURE_META_FILE), `${JSON.stringify({ capturedAt, namespace, ...(flags.context ? { context: flags.context } : {}) }, null, 2)}\n`);
    io.stdout(`Captured ${objects.length + rawSecrets.length} object(s) into ${out}\n${bucketLine}\nAudit it with: npm run audit -- --snapshot ${out}\n`);
    return 0;
  } catch (error) {
    io.stderr(`capture: ${isAuditInputError(error) ? error.message : describeError(error)}\n`);
    return 2;
  }
}
