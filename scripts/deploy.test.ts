/**
 * The deploy script against stub kubectl/helm on PATH (fixtures/doubles/stub-tools.ts): the
 * command sequence, idempotence, the Secret's format, redaction, clean failures, --dry-run and
 * the --context/--yes rules. A few cases run the real entry (`node scripts/deploy.mjs`) as a
 * child process; the rest call its `main()` in-process with the same stubbed environment.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { createStubTools, type StubRule, type StubToolbox } from '../fixtures/doubles/stub-tools.ts';
import { REPO_ROOT } from '../harness/schema/reference.ts';
import { defaultPlan } from '../harness/plan.ts';
import { DeployError, deployVelero } from '../harness/deploy/deploy.ts';
import { main } from './deploy.ts';

const run = promisify(execFile);
const ENTRY = resolve(REPO_ROOT, 'scripts', 'deploy.mjs');

// Fresh fake credentials per run; tests assert they never show up anywhere but on kubectl's stdin.
const ACCESS_KEY = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const SECRET_KEY = `sk-${randomBytes(18).toString('base64url')}`;
const CREDENTIAL_ENV = { VELERO_S3_ACCESS_KEY_ID: ACCESS_KEY, VELERO_S3_SECRET_ACCESS_KEY: SECRET_KEY };

let stubs: StubToolbox;
let work: string;

beforeEach(() => {
  stubs = createStubTools(['kubectl', 'helm']);
  work = mkdtempSync(join(tmpdir(), 'velero-verify-deploy-test-'));
});
afterEach(() => {
  stubs.cleanup();
  rmSync(work, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function deployInProcess(args: string[], options: { rules?: StubRule[]; saveStdin?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env: stubs.env({ rules: options.rules, saveStdin: options.saveStdin, extra: options.env ?? CREDENTIAL_ENV }),
    cwd: work,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

async function deployChild(args: string[], options: { rules?: StubRule[]; env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [ENTRY, ...args], {
      cwd: work,
      env: stubs.env({ rules: options.rules, extra: options.env ?? CREDENTIAL_ENV }),
      timeout: 120_000, // a child process: slow on a busy machine; only a hang reaches it
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function leaksSecret(text: string): boolean {
  const encoded = Buffer.from(`[default]\naws_access_key_id=${ACCESS_KEY}\naws_secret_access_key=${SECRET_KEY}\n`).toString('base64');
  return text.includes(ACCESS_KEY) || text.includes(SECRET_KEY) || text.includes(encoded);
}

// Helm's repository list and cache live in the deploy's temporary directory, never in ~/.config/helm.
const HELM_REPOS = String.raw`--repository-config (\S+)/helm/repositories\.yaml --repository-cache \1/helm/repository-cache`;
const EXPECTED_SEQUENCE = [
  'kubectl --context kind-test apply -f -',
  'kubectl --context kind-test get secret velero-repo-credentials --namespace velero -o name',
  expect.stringMatching(new RegExp(`^helm repo add vmware-tanzu https://vmware-tanzu\\.github\\.io/helm-charts ${HELM_REPOS}$`)),
  expect.stringMatching(new RegExp(`^helm repo update vmware-tanzu ${HELM_REPOS}$`)),
  expect.stringMatching(
    new RegExp(`^helm upgrade --install velero vmware-tanzu/velero --version 12\\.1\\.0 --namespace velero --create-namespace --values \\S+/values\\.yaml --wait --timeout 10m --kube-context kind-test ${HELM_REPOS}$`),
  ),
];
const REPO_SECRET_ABSENT: StubRule = { tool: 'kubectl', match: 'get secret velero-repo-credentials', exit: 1, stderr: 'Error from server (NotFound): secrets "velero-repo-credentials" not found\n' };


/** Cases that run child processes take seconds, far longer on a busy machine; only a hang reaches this. */
const CHILD_PROCESS_CASES = { timeout: 240_000 };
describe('scripts/deploy.mjs against stub kubectl and helm', CHILD_PROCESS_CASES, () => {
  it('runs the Secret apply, repo add/update and helm upgrade --install in that order (real entry, child process)', async () => {
    const outcome = await deployChild(['--context', 'kind-test']);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(stubs.commandLines()).toEqual(EXPECTED_SEQUENCE);
    expect(outcome.stderr).toMatch(/is installed as release velero in namespace velero on context kind-test/);
    expect(leaksSecret(outcome.stdout + outcome.stderr)).toBe(false);
  });

  it('hands Helm the plan\'s values in a file that is gone afterwards', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test']);
    expect(outcome.code, outcome.stderr).toBe(0);
    const upgrade = stubs.calls().find((call) => call.args[0] === 'upgrade')!;
    const values = parseYaml(upgrade.values!);
    expect(values.configuration.backupStorageLocation[0]).toMatchObject({ bucket: 'homelab-backup-velero', config: { s3ForcePathStyle: 'true' } });
    expect(values.credentials).toEqual({ useSecret: true, existingSecret: 'velero-s3-credentials' });
    expect(leaksSecret(upgrade.values!)).toBe(false);
    const valuesPath = upgrade.args[upgrade.args.indexOf('--values') + 1];
    expect(() => readFileSync(valuesPath)).toThrow(/ENOENT/);
  });

  it('is idempotent: a second run issues the same commands with the same Secret and values', async () => {
    expect((await deployInProcess(['--context', 'kind-test'])).code).toBe(0);
    const first = stubs.calls();
    stubs.clearCalls();
    expect((await deployInProcess(['--context', 'kind-test'])).code).toBe(0);
    const second = stubs.calls();
    // The temporary directory (values file, Helm's repository list) is new on every run.
    const shape = (calls: typeof first) => calls.map((call) => ({ tool: call.tool, args: call.args.map((arg) => arg.replace(/^.*velero-verify-deploy-[^/]+/, '<tmp>')), stdin: call.stdinSha256, values: call.values }));
    expect(shape(second)).toEqual(shape(first));
    // `apply` (not `create`) and `upgrade --install` (not `install`) are what make a re-run safe.
    expect(second.map((call) => call.args.join(' '))).toEqual(expect.arrayContaining([expect.stringContaining('apply -f -'), expect.stringContaining('upgrade --install')]));
  });

  it('pipes a Namespace and a Secret whose key "cloud" is an AWS credentials file, on stdin only', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], { saveStdin: true });
    expect(outcome.code, outcome.stderr).toBe(0);
    const apply = stubs.calls().find((call) => call.args.includes('apply'))!;
    const documents = parseAllDocuments(readFileSync(apply.stdinFile!, 'utf8')).map((document) => document.toJS());
    rmSync(apply.stdinFile!);
    expect(documents.map((document) => `${document.kind}/${document.metadata.name}`)).toEqual(['Namespace/velero', 'Secret/velero-s3-credentials']);
    const secret = documents[1];
    expect(secret.metadata).toMatchObject({ namespace: 'velero', labels: { 'app.kubernetes.io/managed-by': 'velero-verify' } });
    expect(Object.keys(secret.data)).toEqual(['cloud']);
    expect(secret.stringData).toBeUndefined();
    const cloud = Buffer.from(secret.data.cloud, 'base64').toString('utf8');
    // Format, then content — compared as booleans so a failure never prints the values.
    expect(/^\[default\]\naws_access_key_id=\S+\naws_secret_access_key=\S+\n$/.test(cloud)).toBe(true);
    expect(cloud === `[default]\naws_access_key_id=${ACCESS_KEY}\naws_secret_access_key=${SECRET_KEY}\n`).toBe(true);
    // Never in argv, never in any output.
    expect(stubs.calls().some((call) => leaksSecret(call.args.join(' ')))).toBe(false);
    expect(leaksSecret(outcome.stdout + outcome.stderr)).toBe(false);
  });

  it('takes the credentials from --credentials-file', async () => {
    const file = join(work, 'credentials');
    writeFileSync(file, `[default]\naws_access_key_id = ${ACCESS_KEY}\naws_secret_access_key = ${SECRET_KEY}\n`);
    const outcome = await deployInProcess(['--context', 'kind-test', '--credentials-file', file], { saveStdin: true, env: {} });
    expect(outcome.code, outcome.stderr).toBe(0);
    const apply = stubs.calls().find((call) => call.args.includes('apply'))!;
    const secret = parseAllDocuments(readFileSync(apply.stdinFile!, 'utf8'))[1].toJS();
    rmSync(apply.stdinFile!);
    expect(Buffer.from(secret.data.cloud, 'base64').toString() === `[default]\naws_access_key_id=${ACCESS_KEY}\naws_secret_access_key=${SECRET_KEY}\n`).toBe(true);
  });

  it('writes a secret containing ; and # whole into the cluster (an INI parser truncated it)', async () => {
    const file = join(work, 'credentials');
    const secretWithComments = `${SECRET_KEY};part#two`;
    writeFileSync(file, `[default]\naws_access_key_id=${ACCESS_KEY}\naws_secret_access_key=${secretWithComments}\n`);
    const outcome = await deployInProcess(['--context', 'kind-test', '--credentials-file', file], { saveStdin: true, env: {} });
    expect(outcome.code, outcome.stderr).toBe(0);
    const apply = stubs.calls().find((call) => call.args.includes('apply'))!;
    const secret = parseAllDocuments(readFileSync(apply.stdinFile!, 'utf8'))[1].toJS();
    rmSync(apply.stdinFile!);
    expect(Buffer.from(secret.data.cloud, 'base64').toString().endsWith(`aws_secret_access_key=${secretWithComments}\n`)).toBe(true);
  });

  it('refuses a credentials file without the secret key, naming the key and not the value', async () => {
    const file = join(work, 'credentials');
    writeFileSync(file, `[default]\naws_access_key_id=${ACCESS_KEY}\n`);
    const outcome = await deployInProcess(['--context', 'kind-test', '--credentials-file', file], { env: {} });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/missing aws_secret_access_key/);
    expect(leaksSecret(outcome.stderr)).toBe(false);
    expect(stubs.calls()).toEqual([]);
  });

  it('refuses one credential env var without the other', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], { env: { VELERO_S3_ACCESS_KEY_ID: ACCESS_KEY } });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/Only one of VELERO_S3_ACCESS_KEY_ID and VELERO_S3_SECRET_ACCESS_KEY is set/);
  });

  it('without credentials keeps an existing Secret, and names the env vars when there is none', async () => {
    const kept = await deployInProcess(['--context', 'kind-test'], { env: {} });
    expect(kept.code, kept.stderr).toBe(0);
    expect(stubs.commandLines()[0]).toBe('kubectl --context kind-test get secret velero-s3-credentials --namespace velero -o name');
    stubs.clearCalls();
    const missing = await deployInProcess(['--context', 'kind-test'], {
      env: {},
      rules: [{ tool: 'kubectl', match: 'get secret', exit: 1, stderr: 'Error from server (NotFound): secrets "velero-s3-credentials" not found\n' }],
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^deploy failed: No S3 credentials were given and the Secret velero-s3-credentials does not exist in namespace velero .*Set VELERO_S3_ACCESS_KEY_ID and VELERO_S3_SECRET_ACCESS_KEY/m);
    expect(stubs.commandLines().some((line) => line.startsWith('helm'))).toBe(false);
  });

  it('passes --kubeconfig to kubectl and helm, and --release / --timeout to helm', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test', '--kubeconfig', '/tmp/kc.yaml', '--release', 'velero', '--timeout', '15m']);
    expect(outcome.code, outcome.stderr).toBe(0);
    const lines = stubs.commandLines();
    expect(lines[0]).toBe('kubectl --kubeconfig /tmp/kc.yaml --context kind-test apply -f -');
    expect(lines[4]).toMatch(/--timeout 15m --kubeconfig \/tmp\/kc\.yaml --kube-context kind-test --repository-config/);
  });
});

describe('the Kopia repository password (velero-repo-credentials)', () => {
  it('is created with a random password before the chart when absent, on stdin only, never shown', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], { rules: [REPO_SECRET_ABSENT], saveStdin: true });
    expect(outcome.code, outcome.stderr).toBe(0);
    const lines = stubs.commandLines();
    const create = lines.indexOf('kubectl --context kind-test create -f -');
    expect(create).toBe(2);
    expect(lines.findIndex((line) => line.startsWith('helm upgrade'))).toBeGreaterThan(create);
    const call = stubs.calls()[create]!;
    const secret = JSON.parse(readFileSync(call.stdinFile!, 'utf8'));
    rmSync(call.stdinFile!);
    expect(secret.metadata).toEqual({ name: 'velero-repo-credentials', namespace: 'velero', annotations: { 'velero-verify/created-by': 'deploy (random Kopia repository password)' } });
    // Never managed-by=velero-verify: a drill's cleanup must never be able to delete it.
    expect(secret.metadata.labels).toBeUndefined();
    const password = Buffer.from(secret.data['repository-password'], 'base64').toString('utf8');
    expect(password).toMatch(/^[\w-]{43}$/);
    expect(password === 'static-passw0rd').toBe(false);
    expect(stubs.calls().some((other) => other.args.join(' ').includes(password))).toBe(false);
    expect((outcome.stdout + outcome.stderr).includes(password)).toBe(false);
  });

  it('two deploys into empty clusters get different passwords', async () => {
    const passwords: string[] = [];
    for (let i = 0; i < 2; i++) {
      stubs.clearCalls();
      expect((await deployInProcess(['--context', 'kind-test'], { rules: [REPO_SECRET_ABSENT], saveStdin: true })).code).toBe(0);
      const call = stubs.calls().find((entry) => entry.args.includes('create'))!;
      passwords.push(JSON.parse(readFileSync(call.stdinFile!, 'utf8')).data['repository-password']);
    }
    expect(passwords[0]).not.toBe(passwords[1]);
  });

  it('an existing Secret is kept, never replaced (a repository opens only with its own password)', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test']);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(stubs.commandLines().some((line) => / create /.test(line))).toBe(false);
  });

  it('losing a creation race to someone else keeps theirs', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], {
      rules: [REPO_SECRET_ABSENT, { tool: 'kubectl', match: 'create -f -', exit: 1, stderr: 'Error from server (AlreadyExists): secrets "velero-repo-credentials" already exists\n' }],
    });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(stubs.commandLines().some((line) => line.startsWith('helm upgrade'))).toBe(true);
  });

  it('a Secret that cannot be looked up stops the deploy before Helm (Velero would create the default one)', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], {
      rules: [{ tool: 'kubectl', match: 'get secret velero-repo-credentials', exit: 1, stderr: 'Error from server (Forbidden): secrets "velero-repo-credentials" is forbidden: User "dev" cannot get resource "secrets"\n' }],
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^deploy failed: kubectl could not tell whether the Secret velero-repo-credentials exists in namespace velero \(kubectl said: .*forbidden.*\)\. It must exist before Velero starts, or Velero creates it with its default password\.$/m);
    expect(stubs.commandLines().some((line) => line.startsWith('helm'))).toBe(false);
  });

  it('a failed creation names the Secret and shows no password, even if kubectl echoes its input', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], { rules: [REPO_SECRET_ABSENT, { tool: 'kubectl', match: 'create -f -', exit: 1, echoStdinToStderr: true }] });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/kubectl could not create the Secret velero-repo-credentials \(the Kopia repository password\)/);
    expect(outcome.stderr).not.toMatch(/repository-password":"(?!\[REDACTED\])/);
    expect(stubs.commandLines().some((line) => line.startsWith('helm'))).toBe(false);
  });
});

describe('clean failures: one message, non-zero exit, no stack trace', CHILD_PROCESS_CASES, () => {
  const noStack = (text: string) => !/\n\s+at .+:\d+:\d+/.test(text);

  it('helm missing: exit 1 naming helm and how to get it, nothing run (real entry)', async () => {
    stubs.cleanup();
    stubs = createStubTools(['kubectl']);
    const outcome = await deployChild(['--context', 'kind-test']);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/deploy failed: helm is not installed: it was not found on PATH\. Install Helm 3/);
    expect(noStack(outcome.stderr)).toBe(true);
    expect(stubs.calls()).toEqual([]);
  });

  it('helm upgrade failing: exit 1 with Helm\'s own words', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], {
      rules: [{ tool: 'helm', match: 'upgrade', exit: 1, stderr: 'Error: UPGRADE FAILED: cannot patch "velero" with kind Deployment: admission webhook denied\n' }],
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/deploy failed: helm upgrade --install velero failed \(helm said: Error: UPGRADE FAILED: cannot patch "velero".*\)\. Fix the cause/);
    expect(outcome.stderr.trim().split('\n').at(-1)).toMatch(/^deploy failed:/);
    expect(noStack(outcome.stderr)).toBe(true);
  });

  it('helm reporting its own timeout: exit 1 explaining what did not become ready', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test', '--timeout', '5m'], {
      rules: [{ tool: 'helm', match: 'upgrade', exit: 1, stderr: 'Error: UPGRADE FAILED: context deadline exceeded\n' }],
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/did not finish within 5m \(--timeout\): the Velero pods did not become ready in time/);
    expect(outcome.stderr).toMatch(/kubectl --context kind-test -n velero get pods/);
  });

  it('helm hanging past its timeout is killed at the deadline', async () => {
    // helm would outlast the test's own timeout: the test can only pass when the deadline kills it.
    const attempt = deployVelero({
      plan: defaultPlan(),
      context: 'kind-test',
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      timeout: '1s',
      killGraceMs: 200,
      env: stubs.env({ rules: [{ tool: 'helm', match: 'upgrade', sleepMs: 120_000 }] }),
    });
    await expect(attempt).rejects.toThrow(DeployError);
    await expect(attempt).rejects.toThrow(/did not finish within 1s/);
  });

  it('chart not found: exit 1 naming chart and version', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], {
      rules: [{ tool: 'helm', match: 'upgrade', exit: 1, stderr: 'Error: chart "velero" matching 12.1.0 not found in vmware-tanzu index. (try \'helm repo update\')\n' }],
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/Helm cannot find chart vmware-tanzu\/velero version 12\.1\.0/);
  });

  it('helm repo add failing (no network): exit 1, and no upgrade attempted', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], {
      rules: [{ tool: 'helm', match: 'repo add', exit: 1, stderr: 'Error: looks like "https://vmware-tanzu.github.io/helm-charts" is not a valid chart repository or cannot be reached\n' }],
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/helm repo add failed \(helm said: .*cannot be reached\)\. Is https:\/\/vmware-tanzu\.github\.io\/helm-charts reachable/);
    expect(stubs.commandLines().some((line) => line.includes('upgrade'))).toBe(false);
  });

  it('kubectl failing: exit 1, its output shown with the secret values redacted', async () => {
    const outcome = await deployInProcess(['--context', 'kind-test'], {
      rules: [{ tool: 'kubectl', match: 'apply', exit: 1, echoStdinToStderr: true, stderr: 'error: You must be logged in to the server (Unauthorized)\n' }],
    });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/kubectl could not apply the credentials Secret velero-s3-credentials in namespace velero \(kubectl said: .*Unauthorized\)/);
    expect(leaksSecret(outcome.stderr)).toBe(false);
    expect(stubs.commandLines().some((line) => line.startsWith('helm'))).toBe(false);
  });

  it('an invalid plan: exit 2 naming the field, nothing run', async () => {
    writeFileSync(join(work, 'velero-verify.yaml'), 'schedule:\n  cron: "every night"\n');
    const outcome = await deployInProcess(['--context', 'kind-test']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/"schedule.cron": expected a 5-field cron expression/);
    expect(stubs.calls()).toEqual([]);
  });

  it('an unknown flag: exit 2 with the usage', async () => {
    const outcome = await deployInProcess(['--contxt', 'kind-test']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/Unknown option '--contxt'[\s\S]*Usage: node scripts\/deploy\.mjs/);
  });
});

describe('--dry-run', CHILD_PROCESS_CASES, () => {
  it('prints the values, the redacted Secret and the commands, and runs nothing (real entry)', async () => {
    const outcome = await deployChild(['--dry-run', '--context', 'kind-test']);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(stubs.calls()).toEqual([]);
    expect(outcome.stdout).toMatch(/nothing was executed/);
    expect(outcome.stdout).toMatch(/bucket: homelab-backup-velero/);
    expect(outcome.stdout).toMatch(/s3ForcePathStyle: "true"/);
    expect(outcome.stdout).toMatch(/cloud: "?<redacted: AWS credentials file, \[default\] aws_access_key_id \+ aws_secret_access_key>/);
    expect(outcome.stdout).toMatch(/^kubectl --context kind-test apply -f - {3}# stdin: the Namespace and Secret above$/m);
    expect(outcome.stdout).toMatch(/^helm upgrade --install velero vmware-tanzu\/velero --version 12\.1\.0 --namespace velero --create-namespace --values .* --wait --timeout 10m --kube-context kind-test --repository-config '?<tmp>\/helm\/repositories\.yaml'? --repository-cache '?<tmp>\/helm\/repository-cache'?$/m);
    expect(outcome.stdout).toMatch(/^kubectl --context kind-test create -f - {3}# only if the above found none; stdin: Secret velero-repo-credentials with a random repository-password \(never shown\)$/m);
    expect(leaksSecret(outcome.stdout + outcome.stderr)).toBe(false);
  });

  it('works without --context and says a real run would stop', async () => {
    const outcome = await deployInProcess(['--dry-run'], { env: {} });
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/a real run would stop here: --context is required/);
    expect(outcome.stdout).toMatch(/the Secret velero-s3-credentials must already exist/);
    expect(stubs.calls()).toEqual([]);
  });
});

describe('--context and --yes', CHILD_PROCESS_CASES, () => {
  it('no --context: exit 2, nothing run (never the current context)', async () => {
    const outcome = await deployInProcess([]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/--context is required/);
    expect(stubs.calls()).toEqual([]);
  });

  it('a non-kind context without --yes: exit 2, nothing run', async () => {
    const outcome = await deployInProcess(['--context', 'homelab-admin@homelab']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/Refusing to deploy to context "homelab-admin@homelab" without --yes/);
    expect(stubs.calls()).toEqual([]);
  });

  it('a non-kind context with --yes deploys there', async () => {
    const outcome = await deployInProcess(['--context', 'homelab-admin@homelab', '--yes']);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(stubs.commandLines()[0]).toBe('kubectl --context homelab-admin@homelab apply -f -');
    expect(stubs.commandLines()[4]).toMatch(/--kube-context homelab-admin@homelab --repository-config/);
  });

  it('a kind context needs no --yes', async () => {
    const outcome = await deployInProcess(['--context', 'kind-velero-verify-20260101-000000-abcd']);
    expect(outcome.code, outcome.stderr).toBe(0);
  });
});
