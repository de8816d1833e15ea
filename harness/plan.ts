/**
 * The plan as data (docs/architecture.md §4): a zod-validated BackupPlan whose defaults are the homelab's
 * values from `plan/velero-kopia-plan.md`. A user overrides it with `velero-verify.yaml`
 * (or `.yml` / `.json`) in the working directory, or `--config <file>`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AuditInputError, describeError } from './errors.ts';
import { parseGoDuration } from './duration.ts';

const goDuration = (what: string) =>
  z
    .string()
    .refine((value) => parseGoDuration(value) !== undefined && parseGoDuration(value)! >= 0, {
      message: `expected a ${what} as a Go duration such as "336h", "336h0m0s" or "90m"`,
    });

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a Kubernetes name (lower-case letters, digits and "-")')
  .max(63);

const cronExpression = z
  .string()
  .regex(
    /^(CRON_TZ=\S+\s+)?(@(yearly|annually|monthly|weekly|daily|midnight|hourly|every\s+\S+)|(\S+\s+){4}\S+)$/,
    'expected a 5-field cron expression such as "0 3 * * *", optionally prefixed with CRON_TZ=<zone>',
  );

/**
 * Plan-specific expectations that can be switched off one by one (`expect.bucket: false`) or all
 * at once (`expect: false`). What stays on without them are the health checks that hold for any
 * Velero install: phases, node-agent coverage, PodVolumeBackups per volume, freshness, retention
 * safety and exposure.
 */
const EXPECTATION_KEYS = [
  'bucket',
  'prefix',
  's3Url',
  'region',
  'pathStyle',
  'schedule',
  'scope',
  'ttl',
  'credentialsSecret',
  'secretSource',
  /** The plan's choice of Kopia: off, a restic install's node agent and PodVolumeBackups are judged on their own terms. */
  'uploader',
] as const;
export type ExpectationKey = (typeof EXPECTATION_KEYS)[number];

const labelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(z.object({ key: z.string(), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string()).optional() }).strict())
      .optional(),
  })
  .strict();

const scheduleScope = z
  .object({
    /** Namespaces the backups include; `["*"]` (the default) is every namespace. */
    includedNamespaces: z.array(z.string().min(1)).min(1).default(['*']),
    /** Namespaces the backups may leave out on purpose. */
    excludedNamespaces: z.array(z.string().min(1)).default([]),
    /** The template's labelSelector, if the plan restricts backups to labelled objects (default: none). */
    labelSelector: labelSelectorSchema.optional(),
    /**
     * `true`: cluster-scoped resources must be included; `false`: must not be; unset (the default):
     * Velero's automatic behaviour (included when every namespace is backed up), but never `false`.
     */
    includeClusterResources: z.boolean().optional(),
  })
  .strict();

const expectationsSchema = z.union([
  z.boolean(),
  z.object(Object.fromEntries(EXPECTATION_KEYS.map((key) => [key, z.boolean().optional()]))).strict(),
]);

const BackupPlanSchema = z
  .object({
    namespace: k8sName.default('velero'),
    velero: z
      .object({
        version: z.string().regex(/^v?\d+\.\d+\.\d+/, 'expected a version such as "1.18.1"').default('1.18.1'),
        image: z.string().default('docker.io/velero/velero:v1.18.1'),
        chartVersion: z.string().default('12.1.0'),
        plugin: z.string().default('velero-plugin-for-aws'),
        pluginImage: z.string().default('docker.io/velero/velero-plugin-for-aws:v1.14.4'),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        locationName: k8sName.default('default'),
        provider: z.string().default('aws'),
        bucket: z.string().min(3).default('homelab-backup-velero'),
        prefix: z.string().default(''),
        s3Url: z.url({ message: 'expected an http(s) URL such as "http://10.10.10.209:9000"' }).default('http://10.10.10.209:9000'),
        region: z.string().default('minio'),
        s3ForcePathStyle: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    credentials: z
      .object({
        secretName: k8sName.default('velero-s3-credentials'),
        key: z.string().default('cloud'),
        sourceKeys: z
          .object({
            accessKeyId: z.string().default('minio_velero_access_key_id'),
            secretAccessKey: z.string().default('minio_velero_secret_access_key'),
          })
          .strict()
          .prefault({}),
        k8sSecretsFile: z.string().default('secrets/k8s-secrets.enc.yaml'),
        hostsSecretsFile: z.string().default('secrets/hosts-secrets.enc.yaml'),
      })
      .strict()
      .prefault({}),
    schedule: z
      .object({
        name: k8sName.default('velero-daily'),
        cron: cronExpression.default('0 3 * * *'),
        ttl: goDuration('backup TTL').default('336h'),
        /**
         * What the schedule's backups must cover (the Backup template's scope fields). The plan
         * backs up "K8s resources and marked PVCs" of every namespace: all namespaces, no label
         * selector, cluster-scoped resources not switched off.
         */
        scope: scheduleScope.prefault({}),
      })
      .strict()
      .prefault({}),
    uploaderType: z.literal('kopia').default('kopia'),
    deployNodeAgent: z.boolean().default(true),
    snapshotsEnabled: z.boolean().default(false),
    retention: z
      .object({
        /**
         * The bucket lifecycle (ILM) the plan declares — "MinIO ILM is 14 days" — as expiration
         * rules by key prefix ('' = the whole bucket). Judged on the manifests target, where the
         * bucket cannot be read; live targets read the real lifecycle. `[]` = no lifecycle.
         */
        bucketLifecycle: z.array(z.object({ prefix: z.string(), expirationDays: z.number().int().positive() }).strict()).optional(),
        /** Time Velero's GC and Kopia maintenance need after a TTL expires before data may go. */
        gcSlack: goDuration('GC slack').default('48h'),
      })
      .strict()
      .prefault({}),
    freshness: z
      .object({ grace: goDuration('grace period').default('6h') })
      .strict()
      .prefault({}),
    drill: z
      .object({
        /**
         * Names the drill's objects: the canary namespace is the stable `<prefix>-canary`, so Velero
         * keeps one BackupRepository and one Kopia repository for it across runs (docs/velero-facts.md §1, §3);
         * the restore namespace `<prefix>-restored-<runId>`, Backup and Restore are per run.
         */
        namespacePrefix: k8sName.default('velero-verify'),
        dataSizeBytes: z.number().int().positive().max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
        image: z.string().default('docker.io/library/busybox:1.37'),
        storageClassName: z.string().nullable().default(null),
        /**
         * Set on the canary namespace's BackupRepository after the drill's backup: Velero runs Kopia
         * maintenance for every repository at spec.maintenanceFrequency (1h by default) forever.
         */
        repositoryMaintenanceFrequency: goDuration('maintenance frequency').default('24h'),
        timeouts: z
          .object({
            podReady: goDuration('timeout').default('3m'),
            backup: goDuration('timeout').default('10m'),
            restore: goDuration('timeout').default('10m'),
            deletion: goDuration('timeout').default('5m'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    expect: expectationsSchema.default(true),
  })
  .strict();

export type BackupPlan = z.infer<typeof BackupPlanSchema>;
export type BackupPlanInput = z.input<typeof BackupPlanSchema>;

const PLAN_FILE_NAMES = ['velero-verify.yaml', 'velero-verify.yml', 'velero-verify.json'];

/** The plan's own words, "MinIO ILM is 14 days", read as a bucket-wide rule. */
const PLAN_BUCKET_LIFECYCLE: ReadonlyArray<{ prefix: string; expirationDays: number }> = [{ prefix: '', expirationDays: 14 }];

/**
 * The bucket lifecycle to judge where the bucket cannot be read: the one the configuration
 * declares; undeclared, the plan's 14 days while the retention expectation (`expect.ttl`) is on,
 * and none otherwise — another install's bucket lifecycle is not shown.
 */
export function declaredBucketLifecycle(plan: BackupPlan): Array<{ prefix: string; expirationDays: number }> {
  return plan.retention.bucketLifecycle ?? (expects(plan, 'ttl') ? PLAN_BUCKET_LIFECYCLE.map((rule) => ({ ...rule })) : []);
}

/** Whether a plan-specific expectation is switched on. */
export function expects(plan: BackupPlan, key: ExpectationKey): boolean {
  if (typeof plan.expect === 'boolean') return plan.expect;
  return plan.expect[key] ?? true;
}

/** Validate a plan object; throws AuditInputError naming the first bad fields. */
export function parsePlan(input: unknown, source = 'the plan'): BackupPlan {
  const result = BackupPlanSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(top level)';
    return `"${path}": ${issue.message}`;
  });
  throw new AuditInputError(
    `Invalid configuration in ${source}: ${problems.join('; ')}. Fix the field${problems.length > 1 ? 's' : ''} and run again (see README "Configuration" for every field and its default).`,
  );
}

export function defaultPlan(): BackupPlan {
  return parsePlan({});
}

/**
 * Load the plan: `explicitPath` if given (it must exist), else the first of PLAN_FILE_NAMES in
 * `cwd`, else the homelab defaults.
 */
export function loadPlan(options: { explicitPath?: string; cwd?: string } = {}): { plan: BackupPlan; source: string } {
  const cwd = options.cwd ?? process.cwd();
  let path: string | undefined;
  if (options.explicitPath) {
    path = resolve(cwd, options.explicitPath);
    if (!existsSync(path)) throw new AuditInputError(`Configuration file ${options.explicitPath} (--config) does not exist.`);
  } else {
    path = PLAN_FILE_NAMES.map((name) => resolve(cwd, name)).find((candidate) => existsSync(candidate));
  }
  if (!path) return { plan: defaultPlan(), source: 'built-in homelab defaults' };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AuditInputError(`Cannot read configuration file ${path}: ${describeError(error)}.`);
  }
  let data: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser serves both (a Nix user may generate JSON).
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new AuditInputError(`Configuration file ${path} is not valid YAML or JSON: ${describeError(error)}.`);
  }
  return { plan: parsePlan(data, path), source: path };
}
