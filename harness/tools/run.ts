/**
 * The one way the library starts a child process (kind, helm, docker, kubectl), built on execa:
 *
 * - no shell: the program and its arguments are an array, nothing is parsed or quoted;
 * - secrets reach a tool on stdin only (`input`); `redact` lists values that must never show in
 *   an error, even if a tool echoes them back;
 * - every call has a deadline; the deadline and the caller's AbortSignal (Ctrl-C) stop the tool
 *   with SIGTERM and, after a grace period, SIGKILL — sent to the tool's whole process group,
 *   because `kind` and `helm` start children of their own (docker, plugins) that would otherwise
 *   outlive a killed parent;
 * - a tool that fails is a result, not an exception (exit code, signal, output, timed out or
 *   aborted), and `describeFailure` turns it into one redacted sentence.
 *
 * scripts/*.mjs stay zx (a person reads them top to bottom); whatever they do beyond glue calls
 * this module through the library.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { execa } from 'execa';
import { redactValues } from '../redact.ts';

export interface RunOptions {
  /** The whole environment of the child (not merged with process.env); PATH decides which tool runs. */
  env: NodeJS.ProcessEnv;
  /** Written to the child's stdin: the only way secret material reaches a tool. */
  input?: string;
  /** Deadline: after this long the tool is stopped and the result says `timedOut`. */
  timeoutMs: number;
  /** Abort (Ctrl-C): the tool is stopped and the result says `aborted`. */
  signal?: AbortSignal;
  /** Time between SIGTERM and SIGKILL when the tool is stopped (default 5 s). */
  killGraceMs?: number;
  /** Values that must never appear in a result's text (stdout/stderr are redacted too). */
  redact?: readonly string[];
  /** Working directory of the child. */
  cwd?: string;
}

export interface CommandResult {
  argv: string[];
  /** null when the tool did not exit by itself (killed) or could not start. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** The tool could not be started at all (not found, not executable): why, without the command line. */
  startError?: string;
  durationMs: number;
}

const DEFAULT_KILL_GRACE_MS = 5_000;

/** Process groups of tools that are still running: killed if this process exits under them. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the process group the tool leads (it was started detached).
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A detached child is not killed with its parent; this keeps a run that exits early (vitest
  // after Ctrl-C, an uncaught error) from leaving a `helm --wait` behind.
  process.once('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
}

/** Run a command to completion. Never throws for what the tool did; look at the result. */
export async function runCommand(argv: readonly string[], options: RunOptions): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runCommand needs a program name');
  const started = Date.now();
  const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const stop = new AbortController();
  let why: 'deadline' | 'abort' | undefined;
  const halt = (reason: 'deadline' | 'abort') => {
    if (why) return;
    why = reason;
    stop.abort();
  };
  if (options.signal?.aborted) halt('abort');
  const onAbort = () => halt('abort');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = setTimeout(() => halt('deadline'), options.timeoutMs);

  installExitHook();
  const child = execa(file, args, {
    env: options.env,
    extendEnv: false,
    shell: false,
    cwd: options.cwd,
    // stdin is either the input or closed: a tool never blocks on an inherited terminal.
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
    reject: false,
    stripFinalNewline: false,
    // Its own process group, so that stopping it reaches its children too (see killGroup).
    detached: true,
    cancelSignal: stop.signal,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: grace,
    windowsHide: true,
  });
  const pid = child.pid;
  let forceKill: NodeJS.Timeout | undefined;
  if (pid !== undefined) {
    liveGroups.add(pid);
    stop.signal.addEventListener(
      'abort',
      () => {
        killGroup(pid, 'SIGTERM');
        forceKill = setTimeout(() => killGroup(pid, 'SIGKILL'), grace);
      },
      { once: true },
    );
    if (stop.signal.aborted) killGroup(pid, 'SIGTERM');
  }

  try {
    const result = await child;
    const redact = options.redact ?? [];
    const notStarted = result.exitCode === undefined && result.signal === undefined && !why;
    return {
      argv: [...argv],
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      stdout: redactValues(String(result.stdout ?? ''), redact),
      stderr: redactValues(String(result.stderr ?? ''), redact),
      timedOut: why === 'deadline',
      aborted: why === 'abort',
      ...(notStarted ? { startError: startErrorOf(result, file) } : {}),
      durationMs: Date.now() - started,
    };
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', onAbort);
    if (pid !== undefined) {
      // The leader is gone; once stopped, whatever it left in its group goes too.
      if (why) killGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
    }
    if (forceKill) clearTimeout(forceKill);
  }
}

function startErrorOf(result: { code?: string; originalMessage?: string }, file: string): string {
  if (result.code === 'ENOENT') return `${file} was not found`;
  if (result.code === 'EACCES') return `${file} is not executable`;
  return `${file} could not be started${result.code ? ` (${result.code})` : ''}`;
}

/** Start a command that outlives this process (cleanup handed off on Ctrl-C); output is discarded. */
export function startDetached(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  const [file, ...args] = argv;
  if (!file) return;
  const child = execa(file, args, { env, extendEnv: false, detached: true, stdio: 'ignore', cleanup: false, reject: false });
  child.catch(() => undefined);
  child.unref();
}

/** The absolute path of a tool on the env's PATH, or undefined. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = isAbsolute(name) ? [name] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A command line for humans (dry-run output, progress lines, errors); quoting only where needed. */
export function displayCommand(argv: readonly string[], redact: readonly string[] = []): string {
  return argv
    .map((arg) => redactValues(arg, redact))
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** The last meaningful lines of a tool's error output, for a one-paragraph message. */
export function lastLines(text: string, count = 3): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.slice(-count).join(' / ');
}

/**
 * Why a command did not succeed, in one redacted sentence fragment:
 * "helm upgrade failed (no result within 10s; killed)", "kind create failed: <last stderr lines>".
 * Only the program and its first arguments are named (`words`), never the whole command line.
 */
export function describeFailure(result: CommandResult, options: { words?: number; redact?: readonly string[] } = {}): string {
  const name = displayCommand(result.argv.slice(0, options.words ?? 2), options.redact);
  if (result.startError) return `${name} could not run: ${result.startError}`;
  const seconds = Math.max(1, Math.round(result.durationMs / 1000));
  if (result.timedOut) return `${name} did not finish within its deadline (stopped after ${seconds}s)`;
  if (result.aborted) return `${name} was interrupted`;
  const detail = lastLines(redactValues(result.stderr, options.redact ?? [])) || (result.exitCode !== null ? `exit code ${result.exitCode}` : `killed by ${result.signal}`);
  return `${name} failed: ${detail}`;
}
