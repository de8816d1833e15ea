/**
 * Running external tools (kubectl, helm, kind, docker) through zx, with a deadline on every call
 * and without echoing anything: zx quotes each argument, stdin carries what must not be in argv,
 * and nothing is printed unless the caller prints it (zx is quiet and not verbose).
 */
import { existsSync } from 'node:fs';
import { $, quote, which } from 'zx';

export interface RunOptions {
  /** The environment of the child; PATH decides which tools are found (tests put stubs first). */
  env: NodeJS.ProcessEnv;
  /** Written to the child's stdin (the only way secret material reaches a tool). */
  input?: string;
  /** Deadline: the child is killed after this long and the result says `timedOut`. */
  timeoutMs: number;
  /** Abort (Ctrl-C): the child is killed and the result says `aborted`. */
  signal?: AbortSignal;
}

export interface CommandResult {
  argv: string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

let bashPath: string | undefined;

/**
 * zx finds bash on the PATH of the process when it is imported; a process started with a narrow
 * PATH (a CI step, our stub tests) would be left without a shell. Look in the usual places too.
 */
function bash(): string {
  if (bashPath) return bashPath;
  const candidates = [typeof $.shell === 'string' ? $.shell : undefined, '/bin/bash', '/usr/bin/bash', '/usr/local/bin/bash', '/opt/homebrew/bin/bash'];
  bashPath = candidates.find((candidate): candidate is string => !!candidate && existsSync(candidate));
  if (!bashPath) throw new Error('bash was not found (looked on PATH and in /bin, /usr/bin, /usr/local/bin): the deploy and kind tier run their tools through bash.');
  return bashPath;
}

/** Run a command to completion (never throws for a non-zero exit; look at the result). */
export async function runCommand(argv: string[], options: RunOptions): Promise<CommandResult> {
  const started = Date.now();
  const shell = $({
    shell: bash(),
    prefix: 'set -euo pipefail;',
    quote,
    env: withShellLevel(options.env),
    input: options.input,
    nothrow: true,
    quiet: true,
    verbose: false,
    timeout: options.timeoutMs,
    timeoutSignal: 'SIGKILL',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const output = await shell`${argv}`;
  const durationMs = Date.now() - started;
  const signal = output.signal ?? null;
  return {
    argv,
    exitCode: output.exitCode,
    signal,
    stdout: output.stdout,
    stderr: output.stderr,
    timedOut: signal !== null && !options.signal?.aborted && durationMs >= options.timeoutMs - 50,
    aborted: options.signal?.aborted ?? false,
    durationMs,
  };
}

/**
 * zx runs commands through bash, and bash reads ~/.bashrc when its stdin is a socket (as Node's
 * pipes are) and SHLVL says it is a top-level shell — which prints the user's shell noise into
 * our error messages. A shell level of at least 1 keeps bash non-interactive and quiet.
 */
function withShellLevel(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Number(env.SHLVL) >= 1 ? env : { ...env, SHLVL: '1' };
}

/** The absolute path of a tool on the env's PATH, or undefined. */
export async function findExecutable(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const found = await which(name, { path: env.PATH ?? '', nothrow: true });
  return typeof found === 'string' ? found : undefined;
}

/** A command line for humans (dry-run output, progress lines); quoting only where needed. */
export function displayCommand(argv: string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The last meaningful lines of a tool's error output, for a one-paragraph message. */
export function lastLines(text: string, count = 3): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-count).join(' / ');
}
