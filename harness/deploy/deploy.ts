/**
 * Install or upgrade Velero from the BackupPlan with Helm (the plan's Tasks 3–4), usable on any
 * cluster: scripts/deploy.mjs is its command line, the kind tier calls it in-process.
 *
 * Steps, each with a deadline and one clear message on failure:
 *  1. the target context is named (`--context`), and anything but a kind cluster needs `--yes`;
 *  2. kubectl and helm are on PATH;
 *  3. values from the plan, checked (our checks + the chart schema when the reference is there);
 *  4. Namespace + credentials Secret via `kubectl apply -f -` (values on stdin only), or, with no
 *     credentials given, the existing Secret must be there;
 *  5. the Kopia repository password: Velero creates `velero-repo-credentials` with its built-in
 *     default `static-passw0rd` at start-up unless the Secret exists (docs/kind-tier.md,
 *     "Repository password"), and the password cannot change once a repository holds data. So
 *     before the chart is installed, a Secret with a random password is created when — and only
 *     when — there is none (`kubectl create -f -`, stdin only; never printed, never replaced);
 *  6. `helm repo add` / `helm repo update` with `--repository-config`/`--repository-cache` in the
 *     deploy's own temporary directory (the user's Helm configuration is never touched);
 *  7. `helm upgrade --install velero vmware-tanzu/velero --version <chart> --namespace <ns>
 *     --create-namespace --values <tmp> --wait --timeout <t>`.
 * All of it is idempotent: a second run applies the same Secret, keeps the repository password and
 * upgrades to the same values.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { AuditInputError } from '../errors.ts';
import { formatDuration, parseGoDuration } from '../duration.ts';
import type { BackupPlan } from '../plan.ts';
import {
  ACCESS_KEY_ENV,
  SECRET_KEY_ENV,
  credentialsManifest,
  redactSecretManifest,
  secretForms,
  type S3Credentials,
} from './credentials.ts';
import { redactValues } from '../redact.ts';
import { displayCommand, findExecutable, lastLines, runCommand, type CommandResult } from '../tools/run.ts';
import { CHART_NAME, CHART_REPO_NAME, CHART_REPO_URL, DEFAULT_RELEASE, checkHelmValues, renderHelmValues, type HelmValues } from './values.ts';

export const DEFAULT_HELM_TIMEOUT = '10m';
/** Extra time after Helm's own --timeout before we kill it: Helm reports its timeout itself. */
const DEFAULT_KILL_GRACE_MS = 60_000;
const KUBECTL_DEADLINE_MS = 60_000;
const HELM_REPO_DEADLINE_MS = 120_000;
/** The Secret Velero keeps the Kopia repository password in (Velero `pkg/repository/keys/keys.go`). */
const REPO_PASSWORD_SECRET = 'velero-repo-credentials';
const REPO_PASSWORD_KEY = 'repository-password';

/** The repository password Secret, for `kubectl create -f -` (stdin). Never printed. */
function repositoryPasswordManifest(namespace: string, password: string): string {
  return `${JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: REPO_PASSWORD_SECRET,
      namespace,
      // Not labelled managed-by=velero-verify: nothing of velero-verify may ever delete it.
      annotations: { 'velero-verify/created-by': 'deploy (random Kopia repository password)' },
    },
    type: 'Opaque',
    data: { [REPO_PASSWORD_KEY]: Buffer.from(password, 'utf8').toString('base64') },
  })}\n`;
}

const NOT_FOUND_PATTERN = /\(NotFound\)|not found/i;
const ALREADY_EXISTS_PATTERN = /\(AlreadyExists\)|already exists/i;

/** A deploy step that failed: one paragraph for the user, exit code 1 (2 for usage errors: AuditInputError). */
export class DeployError extends Error {
  override readonly name = 'DeployError';
  constructor(message: string) {
    super(message);
  }
}

export interface DeployOptions {
  plan: BackupPlan;
  /** kubeconfig context; required (see checkTargetContext). */
  context?: string;
  kubeconfig?: string;
  /** Confirms a deploy to a context that is not a kind cluster (`kind-*`). */
  yes?: boolean;
  release?: string;
  /** Helm --timeout as a Go duration (default 10m). */
  timeout?: string;
  /** S3 credentials for the Secret; without them the Secret must already exist. */
  credentials?: S3Credentials;
  /** In-cluster s3Url when it differs from the plan's. */
  s3Url?: string;
  podVolumePath?: string;
  /** Environment for the tools (PATH decides which kubectl/helm run). */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (never contains a secret value). */
  print?: (line: string) => void;
  /** Test hook: how long after Helm's --timeout the process is killed. */
  killGraceMs?: number;
  /** Abort (Ctrl-C in the kind tier): the running tool is killed and the deploy fails. */
  signal?: AbortSignal;
}

export interface DeployResult {
  release: string;
  namespace: string;
  context: string;
  chartVersion: string;
  secret: 'applied' | 'existing';
  /** `created`: a random password before the chart; `existing`: the Secret was there and was kept. */
  repositoryPassword: 'created' | 'existing';
  commands: string[];
}

/** kind names its contexts `kind-<cluster>`; those clusters are disposable by design. */
function isKindContext(context: string): boolean {
  return /^kind-[a-z0-9.-]+$/.test(context);
}

/**
 * A deploy never falls back to the kubeconfig's current context (it may well be production):
 * `--context` is required, and a context that is not a kind cluster needs `--yes`.
 */
function checkTargetContext(context: string | undefined, yes: boolean | undefined): string {
  if (!context) {
    throw new AuditInputError(
      '--context is required: name the kubeconfig context to install Velero into (for a kind cluster "kind-<name>"). A deploy never uses the current context implicitly.',
    );
  }
  if (!isKindContext(context) && !yes) {
    throw new AuditInputError(
      `Refusing to deploy to context "${context}" without --yes: it is not a kind cluster (kind-*). Helm will install or upgrade the release there; run again with --yes if that is what you want, or use --dry-run to see what would change.`,
    );
  }
  return context;
}

function helmTimeoutMs(timeout: string): number {
  const ms = parseGoDuration(timeout);
  if (ms === undefined || ms <= 0) throw new AuditInputError(`--timeout "${timeout}" is not a duration: expected a Go duration such as "10m" or "600s".`);
  return ms;
}

interface Prepared {
  release: string;
  namespace: string;
  values: HelmValues;
  valuesYaml: string;
  timeout: string;
  chartVersion: string;
}

function prepare(options: DeployOptions): Prepared {
  const release = options.release ?? DEFAULT_RELEASE;
  const timeout = options.timeout ?? DEFAULT_HELM_TIMEOUT;
  helmTimeoutMs(timeout);
  const values = renderHelmValues(options.plan, { s3Url: options.s3Url, release, podVolumePath: options.podVolumePath });
  const { problems } = checkHelmValues(values);
  if (problems.length) throw new AuditInputError(`The Helm values rendered from the plan are not valid: ${problems.join(' ')}`);
  return {
    release,
    namespace: options.plan.namespace,
    values,
    valuesYaml: `# Rendered by velero-verify from the BackupPlan for ${CHART_REPO_NAME}/${CHART_NAME} ${options.plan.velero.chartVersion}\n${toYaml(values)}`,
    timeout,
    chartVersion: options.plan.velero.chartVersion,
  };
}

function kubectlArgs(options: DeployOptions): string[] {
  return [...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []), ...(options.context ? ['--context', options.context] : [])];
}

function helmClusterArgs(options: DeployOptions): string[] {
  return [...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []), ...(options.context ? ['--kube-context', options.context] : [])];
}

/** Helm's repository list and cache in the deploy's own directory, never the user's (~/.config/helm). */
function helmRepositoryArgs(helmDir: string): string[] {
  return ['--repository-config', join(helmDir, 'repositories.yaml'), '--repository-cache', join(helmDir, 'repository-cache')];
}

/** The command lines of a deploy, in order (what --dry-run prints and the stub tests expect). */
function deployCommands(
  options: DeployOptions,
  valuesFile: string,
  helmDir: string,
): { apply: string[]; getSecret: string[]; getRepoSecret: string[]; createRepoSecret: string[]; repoAdd: string[]; repoUpdate: string[]; upgrade: string[] } {
  const release = options.release ?? DEFAULT_RELEASE;
  const namespace = options.plan.namespace;
  const helmRepos = helmRepositoryArgs(helmDir);
  return {
    apply: ['kubectl', ...kubectlArgs(options), 'apply', '-f', '-'],
    getSecret: ['kubectl', ...kubectlArgs(options), 'get', 'secret', options.plan.credentials.secretName, '--namespace', namespace, '-o', 'name'],
    getRepoSecret: ['kubectl', ...kubectlArgs(options), 'get', 'secret', REPO_PASSWORD_SECRET, '--namespace', namespace, '-o', 'name'],
    createRepoSecret: ['kubectl', ...kubectlArgs(options), 'create', '-f', '-'],
    repoAdd: ['helm', 'repo', 'add', CHART_REPO_NAME, CHART_REPO_URL, ...helmRepos],
    repoUpdate: ['helm', 'repo', 'update', CHART_REPO_NAME, ...helmRepos],
    upgrade: [
      'helm',
      'upgrade',
      '--install',
      release,
      `${CHART_REPO_NAME}/${CHART_NAME}`,
      '--version',
      options.plan.velero.chartVersion,
      '--namespace',
      namespace,
      '--create-namespace',
      '--values',
      valuesFile,
      '--wait',
      '--timeout',
      options.timeout ?? DEFAULT_HELM_TIMEOUT,
      ...helmClusterArgs(options),
      ...helmRepos,
    ],
  };
}

/** What a deploy would do, as text: values, the Secret (redacted) and the commands. Runs nothing. */
export function renderDryRun(options: DeployOptions, planSource: string): string {
  const prepared = prepare(options);
  const commands = deployCommands(options, '<tmp>/values.yaml', '<tmp>/helm');
  const out: string[] = [];
  out.push(`# velero-verify deploy --dry-run: nothing was executed.`);
  out.push(`# plan: ${planSource}`);
  out.push(`# target: ${options.context ? `context ${options.context}` : 'no --context given'}${options.kubeconfig ? `, kubeconfig ${options.kubeconfig}` : ''}; release ${prepared.release} in namespace ${prepared.namespace}`);
  try {
    checkTargetContext(options.context, options.yes);
  } catch (error) {
    out.push(`# note: a real run would stop here: ${(error as Error).message}`);
  }
  out.push('', `## Helm values (${CHART_REPO_NAME}/${CHART_NAME} ${prepared.chartVersion})`, '', prepared.valuesYaml.trimEnd());
  out.push('', `## Namespace and credentials Secret (applied with kubectl from stdin; values redacted)`, '');
  if (options.credentials) {
    out.push(redactSecretManifest({ namespace: prepared.namespace, secretName: options.plan.credentials.secretName, key: options.plan.credentials.key, credentials: options.credentials }).trimEnd());
  } else {
    out.push(
      `# No credentials given (${ACCESS_KEY_ENV}/${SECRET_KEY_ENV} or --credentials-file): the Secret ${options.plan.credentials.secretName} must already exist in namespace ${prepared.namespace}.`,
    );
  }
  out.push('', '## Commands', '');
  out.push(`# <tmp>: a temporary directory for the values file and Helm's repository list and cache, removed afterwards`);
  out.push(options.credentials ? `${displayCommand(commands.apply)}   # stdin: the Namespace and Secret above` : displayCommand(commands.getSecret));
  out.push(displayCommand(commands.getRepoSecret));
  out.push(`${displayCommand(commands.createRepoSecret)}   # only if the above found none; stdin: Secret ${REPO_PASSWORD_SECRET} with a random ${REPO_PASSWORD_KEY} (never shown)`);
  out.push(displayCommand(commands.repoAdd), displayCommand(commands.repoUpdate), displayCommand(commands.upgrade));
  return `${out.join('\n')}\n`;
}

function failureDetail(result: CommandResult, forms: string[]): string {
  const detail = lastLines(redactValues(`${result.stderr}\n${result.exitCode !== 0 && !result.stderr.trim() ? result.stdout : ''}`, forms));
  return detail ? ` (${result.argv[0]} said: ${detail})` : ` (exit code ${result.exitCode ?? result.signal})`;
}

const HELM_TIMEOUT_PATTERN = /context deadline exceeded|timed out waiting for the condition|timed out waiting/i;
const CHART_MISSING_PATTERN = /not found in .* index|no chart version found|chart ".*" (version ".*" )?not found|failed to download|could not find/i;

function upgradeFailure(result: CommandResult, options: DeployOptions, prepared: Prepared, forms: string[]): DeployError {
  const where = `kubectl${options.context ? ` --context ${options.context}` : ''} -n ${prepared.namespace}`;
  if (result.timedOut || HELM_TIMEOUT_PATTERN.test(result.stderr)) {
    return new DeployError(
      `helm upgrade --install did not finish within ${prepared.timeout} (--timeout): the Velero pods did not become ready in time${failureDetail(result, forms)}. Look at \`${where} get pods\` and \`${where} get events --sort-by=.lastTimestamp\`; common causes are images that cannot be pulled, a missing or wrong credentials Secret, or a slow network (raise --timeout).`,
    );
  }
  if (CHART_MISSING_PATTERN.test(result.stderr)) {
    return new DeployError(
      `Helm cannot find chart ${CHART_REPO_NAME}/${CHART_NAME} version ${prepared.chartVersion}${failureDetail(result, forms)}. Check velero.chartVersion in the plan and that ${CHART_REPO_URL} is reachable (helm repo update ${CHART_REPO_NAME}).`,
    );
  }
  return new DeployError(`helm upgrade --install ${prepared.release} failed${failureDetail(result, forms)}. Fix the cause and run the deploy again (it is idempotent).`);
}

/** Install or upgrade Velero; throws DeployError / AuditInputError with one clear paragraph. */
export async function deployVelero(options: DeployOptions): Promise<DeployResult> {
  const env = options.env ?? process.env;
  const print = options.print ?? (() => {});
  const context = checkTargetContext(options.context, options.yes);
  const prepared = prepare(options);
  const forms = secretForms(options.credentials);

  for (const tool of ['kubectl', 'helm']) {
    if (!(await findExecutable(tool, env))) {
      const how = tool === 'helm' ? 'Install Helm 3 (https://helm.sh/docs/intro/install/)' : 'Install kubectl (https://kubernetes.io/docs/tasks/tools/)';
      throw new DeployError(`${tool} is not installed: it was not found on PATH. ${how} and run the deploy again.`);
    }
  }

  const directory = mkdtempSync(join(tmpdir(), 'velero-verify-deploy-'));
  const valuesFile = join(directory, 'values.yaml');
  const helmDir = join(directory, 'helm');
  const commands = deployCommands(options, valuesFile, helmDir);
  const ran: string[] = [];
  const run: Runner = async (argv, timeoutMs, input, redact = []) => {
    ran.push(displayCommand(argv));
    print(`+ ${displayCommand(argv)}${input !== undefined ? '   # stdin: a Secret manifest (not shown)' : ''}`);
    const result = await runCommand(argv, { env, timeoutMs, input, signal: options.signal, redact: [...forms, ...redact] });
    if (result.aborted) throw new DeployError(`interrupted while running ${displayCommand(argv.slice(0, 3))}.`);
    return result;
  };
  try {
    writeFileSync(valuesFile, prepared.valuesYaml, { mode: 0o600 });
    chmodSync(valuesFile, 0o600);

    let secret: DeployResult['secret'];
    if (options.credentials) {
      const manifest = credentialsManifest({
        namespace: prepared.namespace,
        secretName: options.plan.credentials.secretName,
        key: options.plan.credentials.key,
        credentials: options.credentials,
      });
      const result = await run(commands.apply, KUBECTL_DEADLINE_MS, manifest);
      if (result.exitCode !== 0) {
        throw new DeployError(
          `kubectl could not apply the credentials Secret ${options.plan.credentials.secretName} in namespace ${prepared.namespace}${result.timedOut ? ` within ${formatDuration(KUBECTL_DEADLINE_MS)}` : ''}${failureDetail(result, forms)}. Check --context/--kubeconfig and that you may create Namespaces and Secrets there.`,
        );
      }
      secret = 'applied';
    } else {
      const result = await run(commands.getSecret, KUBECTL_DEADLINE_MS);
      if (result.exitCode !== 0) {
        throw new DeployError(
          `No S3 credentials were given and the Secret ${options.plan.credentials.secretName} does not exist in namespace ${prepared.namespace} (or cannot be read)${failureDetail(result, forms)}. Set ${ACCESS_KEY_ENV} and ${SECRET_KEY_ENV} (or pass --credentials-file <AWS credentials file>) so the deploy can create it.`,
        );
      }
      secret = 'existing';
    }

    const repositoryPassword = await ensureRepositoryPassword(run, commands, prepared.namespace, forms);

    for (const argv of [commands.repoAdd, commands.repoUpdate]) {
      const result = await run(argv, HELM_REPO_DEADLINE_MS);
      if (result.exitCode !== 0) {
        throw new DeployError(
          `${displayCommand(argv.slice(0, 3))} failed${result.timedOut ? ` (no answer within ${formatDuration(HELM_REPO_DEADLINE_MS)})` : ''}${failureDetail(result, forms)}. Is ${CHART_REPO_URL} reachable from this machine?`,
        );
      }
    }

    const upgrade = await run(commands.upgrade, helmTimeoutMs(prepared.timeout) + (options.killGraceMs ?? DEFAULT_KILL_GRACE_MS));
    if (upgrade.exitCode !== 0) throw upgradeFailure(upgrade, options, prepared, forms);
    print(`Velero ${options.plan.velero.version} (chart ${prepared.chartVersion}) is installed as release ${prepared.release} in namespace ${prepared.namespace} on context ${context}.`);
    return { release: prepared.release, namespace: prepared.namespace, context, chartVersion: prepared.chartVersion, secret, repositoryPassword, commands: ran };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

type Runner = (argv: string[], timeoutMs: number, input?: string, redact?: string[]) => Promise<CommandResult>;

/**
 * Create velero-repo-credentials with a random password unless it exists. Never replaces one: a
 * Kopia repository can only be opened with the password it was created with.
 */
async function ensureRepositoryPassword(run: Runner, commands: ReturnType<typeof deployCommands>, namespace: string, forms: string[]): Promise<DeployResult['repositoryPassword']> {
  const found = await run(commands.getRepoSecret, KUBECTL_DEADLINE_MS);
  if (found.exitCode === 0) return 'existing';
  if (!NOT_FOUND_PATTERN.test(found.stderr) || found.timedOut) {
    throw new DeployError(
      `kubectl could not tell whether the Secret ${REPO_PASSWORD_SECRET} exists in namespace ${namespace}${failureDetail(found, forms)}. It must exist before Velero starts, or Velero creates it with its default password.`,
    );
  }
  const password = randomBytes(32).toString('base64url');
  const hidden = [password, Buffer.from(password, 'utf8').toString('base64')];
  const created = await run(commands.createRepoSecret, KUBECTL_DEADLINE_MS, repositoryPasswordManifest(namespace, password), hidden);
  if (created.exitCode === 0) return 'created';
  if (ALREADY_EXISTS_PATTERN.test(created.stderr)) return 'existing';
  throw new DeployError(
    `kubectl could not create the Secret ${REPO_PASSWORD_SECRET} (the Kopia repository password) in namespace ${namespace}${failureDetail(created, [...forms, ...hidden])}. Check that you may create Secrets there.`,
  );
}
