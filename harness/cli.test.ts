import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './schema/reference.ts';

const execFileAsync = promisify(execFile);

/**
 * Each case runs the CLI (tsx, then vitest inside it) as a child process, which takes seconds and
 * far longer on a busy machine: the deadlines are generous, they only matter when something hangs.
 */
const CLI_DEADLINE_MS = 120_000;
const CASE_TIMEOUT = { timeout: 2 * CLI_DEADLINE_MS };

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  reportDir: string;
}

/** Run `npm run audit -- <args>` as a user would (tsx harness/cli.ts), in `cwd`. */
async function audit(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const reportDir = mkdtempSync(join(tmpdir(), 'vv-cli-reports-'));
  const tsx = join(REPO_ROOT, 'node_modules/.bin/tsx');
  try {
    const { stdout, stderr } = await execFileAsync(tsx, [join(REPO_ROOT, 'harness/cli.ts'), '--report-dir', reportDir, ...args], {
      cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'vv-cli-cwd-')),
      env: { ...process.env, ...options.env },
      timeout: CLI_DEADLINE_MS,
    });
    return { code: 0, stdout, stderr, reportDir };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', reportDir };
  }
}

function inputFile(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'vv-cli-input-'));
  writeFileSync(join(dir, name), content);
  return join(dir, name);
}

function expectCleanInputError(run: CliRun, pattern: RegExp) {
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(pattern);
  // One paragraph, no stack trace, and no report for an audit that could not run.
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(existsSync(join(run.reportDir, 'audit.json'))).toBe(false);
}

describe('npm run audit: input errors exit 2 with one clear paragraph', CASE_TIMEOUT, () => {
  it.each([
    ['invalid YAML', 'state.yaml', 'apiVersion: v1\nkind: List\nitems:\n  - {metadata: [\n', /state\.yaml, line \d+, column \d+: invalid YAML/],
    ['a truncated file', 'state.json', '{"apiVersion": "v1", "kind": "List", "items": [{"metadata": {"na', /state\.json, line \d+/],
    ['binary junk', 'state.yaml', Buffer.from([0, 1, 2, 3, 255, 254, 0, 7]), /not a text file/],
    ['an empty file', 'state.yaml', '', /no Kubernetes objects found/],
    ['no Kubernetes objects', 'state.yaml', 'hello: world\n', /no Kubernetes objects found/],
  ])('%s', async (_name, file, content, pattern) => {
    expectCleanInputError(await audit(['--snapshot', inputFile(file, content)]), pattern);
  });

  it('a directory without objects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vv-cli-empty-'));
    expectCleanInputError(await audit(['--snapshot', dir]), /holds no \.yaml, \.yml or \.json files/);
  });

  it('a missing snapshot path', async () => {
    expectCleanInputError(await audit(['--snapshot', '/nonexistent/velero-state']), /no such file or directory/);
  });

  it('a wrong config value, before anything runs', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vv-cli-cfg-'));
    writeFileSync(join(cwd, 'velero-verify.yaml'), 'schedule:\n  ttl: 14 days\n');
    expectCleanInputError(await audit(['--snapshot', '/nonexistent'], { cwd }), /"schedule\.ttl": expected a backup TTL as a Go duration/);
  });

  it('an unknown flag and a bad --now', async () => {
    expectCleanInputError(await audit(['--snapshto', 'x']), /Unknown option '--snapshto'.*--help/);
    expectCleanInputError(await audit(['--snapshot', 'x', '--now', 'yesterday']), /--now "yesterday" is not a time/);
  });

  it('conflicting targets', async () => {
    expectCleanInputError(await audit(['--snapshot', 'x', '--read-only']), /--read-only apply to a live cluster/);
  });
});

describe('npm run audit -- --help', CASE_TIMEOUT, () => {
  it('documents every flag', async () => {
    const run = await audit(['--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--snapshot', '--manifests', '--values', '--repo', '--context', '--kubeconfig', '--read-only', '--keep', '--cleanup', '--config', '--report-dir', '--now', '--backup', '--json', '--s3-endpoint']) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toMatch(/0 APPROVE.*1 REJECT.*2 the audit could not run/);
  });
});

describe('npm run audit on a snapshot that decides little', CASE_TIMEOUT, () => {
  it('writes all three reports and rejects, with the plan line last', async () => {
    const path = inputFile('state.yaml', 'apiVersion: velero.io/v1\nkind: BackupStorageLocation\nmetadata: {name: default, namespace: velero}\nspec: {provider: aws, objectStorage: {bucket: homelab-backup-velero}}\nstatus: {phase: Unavailable, message: "BackupStorageLocation is unavailable"}\n');
    const run = await audit(['--snapshot', path, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.verdict).toBe('REJECT');
    expect(report.schemaVersion).toBe(2);
    expect(JSON.parse(readFileSync(join(run.reportDir, 'audit.json'), 'utf8')).runId).toBe(report.runId);
    expect(readFileSync(join(run.reportDir, 'audit.md'), 'utf8')).toContain('VERDICT: REJECT');
    expect(readFileSync(join(run.reportDir, 'audit.xml'), 'utf8')).toContain('<testsuites');
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^Backup \[(PASS|FAIL|SKIPPED)\] \| Restore \[SKIPPED\] \| VERDICT: REJECT$/);
  });
});

describe('npm run audit -- --snapshot on the fixture snapshots', CASE_TIMEOUT, () => {
  it('approves the healthy capture of the plan, exit 0, with the plan line', async () => {
    const run = await audit(['--snapshot', join(REPO_ROOT, 'fixtures/snapshots/healthy')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('Backup [PASS] | Restore [SKIPPED] | VERDICT: APPROVE');
    const report = JSON.parse(readFileSync(join(run.reportDir, 'audit.json'), 'utf8'));
    expect(report.verdict).toBe('APPROVE');
    expect(report.target.kind).toBe('snapshot');
    // The capture time, not the wall clock, decides freshness offline.
    expect(report.now).toBe('2026-06-15T10:30:00.000Z');
    expect(report.items.find((item: { id: string }) => item.id === 'beyond.restore').reason).toMatch(/Not evaluable on the snapshot target/);
  });

  it.each([
    ['manual-backup-partially-failed', 'dod.manual-backup'],
    ['bsl-phase-empty', 'dod.bsl-available'],
    ['hostpath-pv-skipped', 'beyond.volume-coverage'],
  ])('rejects the %s capture for %s, exit 1, with its remediation', async (variant, item) => {
    const run = await audit(['--snapshot', join(REPO_ROOT, `fixtures/snapshots/broken/${variant}.yaml`)]);
    expect(run.code).toBe(1);
    const report = JSON.parse(readFileSync(join(run.reportDir, 'audit.json'), 'utf8'));
    const failed = report.items.find((entry: { id: string }) => entry.id === item);
    expect(failed.status).toBe('fail');
    expect(failed.remediation).toBeTruthy();
    expect(readFileSync(join(run.reportDir, 'audit.md'), 'utf8')).toContain(`### ${item}`);
  });

  it('judges --backup NAME and fails clearly when it does not exist', async () => {
    const run = await audit(['--snapshot', join(REPO_ROOT, 'fixtures/snapshots/healthy'), '--backup', 'no-such-backup']);
    expect(run.code).toBe(1);
    const report = JSON.parse(readFileSync(join(run.reportDir, 'audit.json'), 'utf8'));
    expect(report.items.find((entry: { id: string }) => entry.id === 'dod.manual-backup').reason).toContain('no-such-backup');
  });
});
