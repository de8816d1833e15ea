/**
 * The child-process runner against small stand-in programs: arguments reach the tool literally
 * (no shell), input goes to stdin and never to argv, a hung tool is stopped at its deadline even
 * when it ignores SIGTERM, and an abort (Ctrl-C) stops the tool's children too.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeFailure, displayCommand, findExecutable, runCommand } from './run.ts';
import { processAlive } from '../../fixtures/doubles/stub-tools.ts';

let dir: string;

/** A Node program on PATH under `name`; it sees its argv and stdin like a real tool. */
function tool(name: string, source: string): void {
  const file = join(dir, name);
  writeFileSync(file, `#!${process.execPath}\nconst fs = require('fs'); const path = require('path');\n${source}`);
  chmodSync(file, 0o755);
}

const env = () => ({ PATH: dir, TOOL_DIR: dir });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'velero-verify-run-'));
  // Records argv (and stdin when asked) and answers on stdout/stderr.
  tool(
    'recorder',
    `const args = process.argv.slice(2);
     const stdin = args.includes('-') ? fs.readFileSync(0, 'utf8') : '';
     fs.writeFileSync(path.join(process.env.TOOL_DIR, 'argv.json'), JSON.stringify(args));
     process.stdout.write('got ' + args.length + ' args\\n');
     if (args.includes('--echo-stdin')) { process.stderr.write('error: could not parse ' + stdin + '\\n'); process.exitCode = 3; }`,
  );
  // Ignores SIGTERM and never finishes: only SIGKILL stops it.
  tool(
    'hung',
    `process.on('SIGTERM', () => {});
     fs.writeFileSync(path.join(process.env.TOOL_DIR, 'hung.pid'), String(process.pid));
     setInterval(() => {}, 1000);`,
  );
  // Starts a child of its own (as kind starts docker) and waits; both ignore SIGTERM.
  tool(
    'parent',
    `const { spawn } = require('child_process');
     process.on('SIGTERM', () => {});
     const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
     fs.writeFileSync(path.join(process.env.TOOL_DIR, 'pids.json'), JSON.stringify([process.pid, child.pid]));
     setInterval(() => {}, 1000);`,
  );
});

afterEach(() => {
  for (const file of ['hung.pid', 'pids.json']) {
    if (!existsSync(join(dir, file))) continue;
    const pids = file.endsWith('.json') ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as number[]) : [Number(readFileSync(join(dir, file), 'utf8'))];
    for (const pid of pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('runCommand', () => {
  it('passes every argument literally: no shell expands, splits or runs anything', async () => {
    const args = ['$(touch pwned)', 'a b', "it's", '*', '; rm -rf /', '`id`'];
    const result = await runCommand(['recorder', ...args], { env: env(), timeoutMs: 20_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`got ${args.length} args\n`);
    expect(JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8'))).toEqual(args);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('gives a secret on stdin only, and redacts it when the tool echoes it back', async () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    const result = await runCommand(['recorder', 'apply', '-f', '-', '--echo-stdin'], { env: env(), timeoutMs: 20_000, input: `key: ${secret}`, redact: [secret] });
    expect(JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8'))).toEqual(['apply', '-f', '-', '--echo-stdin']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('could not parse key: [REDACTED]');
    const message = describeFailure(result, { redact: [secret] });
    expect(message).toBe('recorder apply failed: error: could not parse key: [REDACTED]');
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it('stops a hung tool at its deadline, with SIGKILL when it ignores SIGTERM', async () => {
    const result = await runCommand(['hung', '--wait'], { env: env(), timeoutMs: 300, killGraceMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.aborted).toBe(false);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGKILL');
    expect(describeFailure(result)).toMatch(/^hung --wait did not finish within its deadline \(stopped after \d+s\)$/);
    const pid = Number(readFileSync(join(dir, 'hung.pid'), 'utf8'));
    expect(processAlive(pid)).toBe(false);
  });

  it('on abort (Ctrl-C) stops the whole process group, the tool\'s own children included', async () => {
    const abort = new AbortController();
    const running = runCommand(['parent'], { env: env(), timeoutMs: 60_000, killGraceMs: 200, signal: abort.signal });
    await vi.waitFor(() => expect(existsSync(join(dir, 'pids.json'))).toBe(true), { timeout: 15_000, interval: 50 });
    const [parentPid, childPid] = JSON.parse(readFileSync(join(dir, 'pids.json'), 'utf8')) as number[];
    expect(processAlive(childPid!)).toBe(true);
    abort.abort();
    const result = await running;
    expect(result.aborted).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(describeFailure(result)).toBe('parent was interrupted');
    await vi.waitFor(() => {
      expect(processAlive(parentPid!)).toBe(false);
      expect(processAlive(childPid!)).toBe(false);
    }, { timeout: 5_000, interval: 50 });
  });

  it('does not start a tool when the signal is already aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    const result = await runCommand(['recorder', 'x'], { env: env(), timeoutMs: 20_000, signal: abort.signal });
    expect(result.aborted).toBe(true);
    expect(existsSync(join(dir, 'argv.json'))).toBe(false);
  });

  it('reports a missing tool as a result, not an exception, without the command line', async () => {
    const result = await runCommand(['no-such-tool', '--password-file', '/x'], { env: env(), timeoutMs: 20_000 });
    expect(result.exitCode).toBeNull();
    expect(result.startError).toBe('no-such-tool was not found');
    expect(describeFailure(result, { words: 1 })).toBe('no-such-tool could not run: no-such-tool was not found');
  });
});

describe('helpers', () => {
  it('findExecutable looks on the given PATH only', () => {
    expect(findExecutable('recorder', env())).toBe(join(dir, 'recorder'));
    expect(findExecutable('recorder', { PATH: '/nonexistent' })).toBeUndefined();
  });

  it('displayCommand quotes only where needed and redacts', () => {
    expect(displayCommand(['helm', 'upgrade', '--set', 'a=b c', "it's"])).toBe(`helm upgrade --set 'a=b c' 'it'\\''s'`);
    expect(displayCommand(['tool', '--token=abcd1234'], ['abcd1234'])).toBe(`tool '--token=[REDACTED]'`);
  });
});
