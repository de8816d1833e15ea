/**
 * Triage through the CLI as a user runs it: a paste on standard input and a real-artifact case
 * with `--config` and `expect: false`. The report carries code, cause, fix and quoted lines;
 * a secret in the paste appears in no output and no report file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../schema/reference.ts';

const DEADLINE_MS = 120_000;

function run(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string; reportDir: string }> {
  const reportDir = mkdtempSync(join(tmpdir(), 'vv-triage-cli-'));
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, 'node_modules/.bin/tsx'), [join(REPO_ROOT, 'harness/cli.ts'), '--report-dir', reportDir, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, reportDir });
    });
    child.stdin.end(stdin ?? '');
  });
}

const SECRET = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';

describe('npm run audit -- --snapshot on pasted evidence', () => {
  it('reads standard input, explains the failure with code, cause, fix and the quoted line, and redacts the secret everywhere', { timeout: 2 * DEADLINE_MS }, async () => {
    const paste = [
      '$ cat credentials-velero',
      '[default]',
      'aws_access_key_id=AKIAIOSFODNN7EXAMPLE',
      `aws_secret_access_key=${SECRET}`,
      '$ kubectl -n velero logs deploy/velero',
      'time="2025-03-02T10:00:00Z" level=error msg="Error getting a backup store" backup-storage-location=velero/default controller=backup-storage-location error="rpc error: code = Unknown desc = InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.\\n\\tstatus code: 403, request id: 1"',
      '',
    ].join('\n');
    const result = await run(['--snapshot', '-', '--json'], paste);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.schemaVersion).toBe(2);
    const bsl = report.items.find((item: { id: string }) => item.id === 'dod.bsl-available');
    expect(bsl).toMatchObject({ status: 'fail', code: 'VV-BSL-001' });
    expect(bsl.cause).toMatch(/rejected the access key \(InvalidAccessKeyId\)/);
    expect(bsl.fix).toMatch(/credentials Secret/);
    expect(bsl.quotes[0]).toMatchObject({ source: '(standard input)', line: 6 });
    expect(report.items.find((item: { id: string }) => item.id === 'dod.pods-running').reason).toMatch(/^Not shown in this evidence/);
    expect(report.evidence.notShown).toContain('dod.pods-running');
    for (const text of [result.stdout, result.stderr, ...readdirSync(result.reportDir).map((name) => readFileSync(join(result.reportDir, name), 'utf8'))]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    }
    expect(readFileSync(join(result.reportDir, 'audit.md'), 'utf8')).toMatch(/\*\*Code:\*\* `VV-BSL-001`/);
    expect(readFileSync(join(result.reportDir, 'audit.xml'), 'utf8')).toMatch(/code: VV-BSL-001/);
  });

  it('a real artifact with --config and expect: false fails only what it shows', { timeout: 2 * DEADLINE_MS }, async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'vv-stranger-')), 'stranger.yaml');
    writeFileSync(config, 'expect: false\n');
    const artifact = join(REPO_ROOT, 'fixtures/real-artifacts/039-restore-partiallyfailed-items-equal/artifact.txt');
    const result = await run(['--config', config, '--snapshot', artifact, '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    const failed = report.items.filter((item: { status: string }) => item.status === 'fail').map((item: { id: string }) => item.id);
    expect(failed).toEqual(['beyond.restores-completed']);
    expect(report.items.find((item: { id: string }) => item.id === 'beyond.restores-completed').reason).toMatch(/Restore data-1-20221108160411 is PartiallyFailed/);
  });
});
