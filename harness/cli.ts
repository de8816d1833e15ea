/**
 * `npm run audit` — collect a target, judge it with the specs, write the audit report.
 * Exit codes (docs/architecture.md §6): 0 APPROVE, 1 REJECT (or NOT RUN), 2 the audit itself could not run.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditInputError, describeError, isAuditInputError } from './errors.ts';
// The plan (zod) and the judges load in main(), after the spec-run thread has started: their
// modules are the larger part of the CLI's start, and vitest's import then overlaps with it.
import type { BackupPlan } from './plan.ts';
import { newRunId, type RunContext } from './run-context.ts';
import { REPO_ROOT } from './schema/reference.ts';
import type { TargetKind } from './catalog.ts';
import { toolVersion } from './report/reporter.ts';
import { startSpecRun, type SpecRun } from './report/spec-run.ts';
import type { AuditReport } from './report/model.ts';
import { stripControls } from './report/sanitize.ts';

const HELP = `velero-verify — prove a Velero + Kopia backup setup works, as an APPROVE/REJECT audit.

Usage: npm run audit -- [target] [options]

Targets (choose one; without one, the live cluster of the current kubeconfig context):
  --snapshot <path>      Captured or pasted evidence, read by content: \`kubectl get … -o yaml|json\`,
                         Velero CLI tables, describe text, server/node-agent logs, transcripts
                         mixing them, a velero debug bundle (.tar.gz), a directory of any of
                         these or written by scripts/capture.mjs; \`-\` reads standard input.
                         Only what the evidence shows is judged. Opens no network connection.
  --manifests <path>     Rendered manifests (kubenix output, \`helm template\`, \`kustomize build\`):
                         a file or directory; repeat the flag for several. Opens no connection.
  --values <file>        With --manifests (or alone): the Velero chart's Helm values.
  --repo <path>          With --manifests: the GitOps repository root, for the guardrail that
                         credentials come from the k8s secrets file, not the hosts secrets file.
  --context <name>       Live cluster: the kubeconfig context (default: the current context).
  --kubeconfig <file>    Live cluster: the kubeconfig (default: $KUBECONFIG, else ~/.kube/config).

Live cluster options:
  --read-only            Use only get/list/watch: no canary drill (Restore [NOT RUN: --read-only];
                         it does not block APPROVE, any other required item not verified does).
  --keep                 Keep the drill's namespaces and backup for debugging (no cleanup).
  --cleanup              Remove leftovers of interrupted runs (objects labelled
                         app.kubernetes.io/managed-by=velero-verify) and exit.
  --s3-endpoint <url>    The S3 endpoint the harness itself uses to read the bucket, when the
                         BSL's s3Url is not reachable from here (env VELERO_VERIFY_S3_ENDPOINT).

Common options:
  --config <file>        The plan (YAML or JSON). Default: velero-verify.yaml|.yml|.json in the
                         working directory, else the homelab defaults.
  --report-dir <dir>     Where audit.md, audit.json and audit.xml go (default: reports).
  --now <time>           ISO 8601 time to judge freshness against (default: the capture time of a
                         snapshot, the wall clock on a live cluster).
  --backup <name>        The manual backup to judge for "Manual backup completes successfully"
                         (default: the newest backup not created by a schedule; on a live
                         cluster, the drill's own backup).
  --json                 Print the JSON report to stdout (the summary goes to stderr).
  -h, --help             This help.

Environment:
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   S3 credentials for reading the bucket, when the
                         credentials Secret cannot be read (values are never printed).
  KUBECONFIG             As for kubectl.

Exit codes: 0 APPROVE · 1 REJECT or NOT RUN (--cleanup: something not removed) · 2 the audit could not run (bad config, unreadable input).
`;

export interface CliOptions {
  snapshot?: string;
  manifests?: string[];
  values?: string;
  repo?: string;
  context?: string;
  kubeconfig?: string;
  readOnly: boolean;
  keep: boolean;
  cleanup: boolean;
  s3Endpoint?: string;
  config?: string;
  reportDir: string;
  now?: string;
  backup?: string;
  json: boolean;
  help: boolean;
}

function parseCliArgs(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        snapshot: { type: 'string' },
        manifests: { type: 'string', multiple: true },
        values: { type: 'string' },
        repo: { type: 'string' },
        context: { type: 'string' },
        kubeconfig: { type: 'string' },
        'read-only': { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        cleanup: { type: 'boolean', default: false },
        's3-endpoint': { type: 'string' },
        config: { type: 'string' },
        'report-dir': { type: 'string', default: 'reports' },
        now: { type: 'string' },
        backup: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new AuditInputError(`${describeError(error)}. Run \`npm run audit -- --help\` for the flags.`);
  }
  const v = parsed.values;
  const options: CliOptions = {
    snapshot: v.snapshot,
    manifests: v.manifests,
    values: v.values,
    repo: v.repo,
    context: v.context,
    kubeconfig: v.kubeconfig,
    readOnly: v['read-only'] ?? false,
    keep: v.keep ?? false,
    cleanup: v.cleanup ?? false,
    s3Endpoint: v['s3-endpoint'] ?? process.env.VELERO_VERIFY_S3_ENDPOINT,
    config: v.config,
    reportDir: v['report-dir'] ?? 'reports',
    now: v.now,
    backup: v.backup,
    json: v.json ?? false,
    help: v.help ?? false,
  };
  const offline = [options.snapshot && '--snapshot', (options.manifests || options.values) && '--manifests/--values'].filter(Boolean);
  if (offline.length > 1) throw new AuditInputError(`Choose one target: ${offline.join(' and ')} were both given.`);
  const live = [options.context && '--context', options.kubeconfig && '--kubeconfig', options.cleanup && '--cleanup', options.readOnly && '--read-only', options.keep && '--keep'].filter(Boolean);
  if (offline.length && live.length) throw new AuditInputError(`${live.join(', ')} apply to a live cluster and cannot be combined with ${offline[0]}.`);
  if (options.repo && !options.manifests && !options.values) throw new AuditInputError('--repo goes with --manifests or --values.');
  if (options.now !== undefined && !Number.isFinite(Date.parse(options.now))) {
    throw new AuditInputError(`--now "${options.now}" is not a time: expected ISO 8601, e.g. 2026-11-25T03:30:00Z.`);
  }
  return options;
}

function targetOf(options: CliOptions): TargetKind {
  if (options.snapshot) return 'snapshot';
  if (options.manifests || options.values) return 'manifests';
  return 'cluster';
}

function toolVersions(): Record<string, string> {
  return { 'velero-verify': toolVersion(), node: process.version, vitest: readVersion('vitest'), '@kubernetes/client-node': readVersion('@kubernetes/client-node') };
}

function readVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

interface Collected {
  state: RunContext['state'];
  description: string;
  drill?: RunContext['drill'];
  backupName?: string;
}

async function collectTarget(target: TargetKind, options: CliOptions, plan: BackupPlan, runId: string, progress: (line: string) => void): Promise<Collected> {
  if (target === 'snapshot') {
    const { collectSnapshot } = await import('./targets/snapshot.ts');
    if (options.snapshot === '-') {
      const stdinText = await readStandardInput();
      return { state: await collectSnapshot('-', plan, { stdinText, label: '- (standard input)' }), description: 'snapshot from standard input' };
    }
    const path = resolve(options.snapshot!);
    return { state: await collectSnapshot(path, plan, { label: options.snapshot }), description: `snapshot ${options.snapshot}` };
  }
  if (target === 'manifests') {
    const { collectManifests } = await import('./collect/manifests.ts');
    const state = await collectManifests({
      paths: (options.manifests ?? []).map((path) => resolve(path)),
      valuesFile: options.values && resolve(options.values),
      repoDir: options.repo && resolve(options.repo),
      plan,
    });
    return { state, description: state.source.description };
  }
  const { runClusterAudit } = await import('./targets/cluster.ts');
  const result = await runClusterAudit({
    plan,
    kubeconfig: options.kubeconfig,
    context: options.context,
    readOnly: options.readOnly,
    keep: options.keep,
    runId,
    s3Endpoint: options.s3Endpoint,
    backupName: options.backup,
    onProgress: progress,
  });
  return { state: result.state, drill: result.drill, backupName: result.backupName, description: result.state.source.description };
}

/** Standard input for `--snapshot -`, bounded: a paste, not a log stream (give a large log as a file: it is streamed). */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;

async function readStandardInput(): Promise<string> {
  if (process.stdin.isTTY) throw new AuditInputError('--snapshot -: standard input is a terminal; pipe or redirect the evidence into it (e.g. `velero backup describe b --details | npm run audit -- --snapshot -`).');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_STDIN_BYTES) throw new AuditInputError(`--snapshot -: standard input is larger than ${MAX_STDIN_BYTES / 1024 / 1024} MiB; write it to a file and pass the file (large logs are streamed from files).`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}


/**
 * Judge the run where its state is and hand the spec run (already started, spec-run.ts) the
 * findings, not the state; returns the report the reporter built.
 */
async function judgeWithSpecs(run: RunContext, specRun: SpecRun): Promise<AuditReport> {
  const { forSpecWorkers, stateFacts, withFindings } = await import('./judge/judge-run.ts');
  const findings = withFindings(run).findings;
  // Once judged, the objects are not needed: free them (the report shows only the state's facts).
  // This is why `run.state` is reduced in place.
  if (run.state) run.state = stateFacts(run.state);
  const judged: RunContext = findings ? { ...run, findings } : run;
  return specRun.judge({ reporterRun: forReporter(judged), specRun: forSpecWorkers(judged) });
}

/** The run as the reporter reads it: the state's facts, without where each object was read (only judges quote that). */
function forReporter(run: RunContext): RunContext {
  const evidence = run.state?.evidence;
  return evidence ? { ...run, state: { ...run.state!, evidence: { ...evidence, provenance: {} } } } : run;
}

async function collectAndJudge(
  target: TargetKind,
  options: CliOptions,
  plan: BackupPlan,
  planSource: string,
  runId: string,
  startedAt: string,
  specRun: SpecRun,
  print: (text: string) => void,
): Promise<AuditReport> {
  let collected: Collected | undefined = await collectTarget(target, options, plan, runId, (line) => print(`… ${line}`));
  const snapshotTime = target === 'snapshot' ? collected.state?.capturedAt : undefined;
  const now = options.now ?? snapshotTime ?? new Date().toISOString();
  const nowSource: RunContext['nowSource'] = options.now ? 'flag' : snapshotTime ? (collected.state?.capturedAtSource === 'recorded' ? 'recorded' : 'inferred') : 'clock';
  const run: RunContext = {
    runId,
    target,
    targetDescription: collected.description,
    plan,
    planSource,
    now: new Date(now).toISOString(),
    nowSource,
    startedAt,
    backupName: options.backup ?? collected.backupName,
    state: collected.state,
    drill: collected.drill,
    toolVersions: toolVersions(),
    // --read-only is the user's choice not to run the drill: NOT RUN, not "not verified".
    ...(target === 'cluster' && options.readOnly ? { optedOut: { 'beyond.restore': '--read-only' } } : {}),
  };
  collected = undefined; // the run holds the state now; judgeWithSpecs frees it once judged
  return judgeWithSpecs(run, specRun);
}

async function runCleanup(options: CliOptions, print: (text: string) => void): Promise<number> {
  const { loadPlan } = await import('./plan.ts');
  const { plan } = loadPlan({ explicitPath: options.config });
  const { cleanupLeftovers } = await import('./targets/cluster.ts');
  const result = await cleanupLeftovers({ plan, kubeconfig: options.kubeconfig, context: options.context, s3Endpoint: options.s3Endpoint, onProgress: print });
  print(result.deleted.length ? `Removed ${result.deleted.length} leftover object(s):\n  ${result.deleted.join('\n  ')}` : 'No leftovers of velero-verify were found.');
  for (const problem of result.problems) print(`Not removed: ${problem}`);
  return result.problems.length ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const options = parseCliArgs(argv);
  // Progress lines can carry cluster text (names, API messages): never terminal control sequences.
  const print = (text: string) => (options.json ? process.stderr : process.stdout).write(`${stripControls(text)}\n`);
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (options.cleanup) return runCleanup(options, print);
  // vitest starts in its own thread while the plan loads and the target is collected and judged here.
  const specRun = startSpecRun({ reportDir: resolve(options.reportDir), print });
  let report: AuditReport;
  try {
    const { loadPlan } = await import('./plan.ts');
    const { plan, source: planSource } = loadPlan({ explicitPath: options.config });
    report = await collectAndJudge(targetOf(options), options, plan, planSource, newRunId(), new Date().toISOString(), specRun, print);
  } catch (error) {
    // The audit could not run: no report (the thread's vitest is still waiting for the run).
    await specRun.cancel();
    throw error;
  }
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.verdict === 'APPROVE' ? 0 : 1;
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === resolve(REPO_ROOT, 'harness', 'cli.ts');
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (isAuditInputError(error)) process.stderr.write(`velero-verify: ${stripControls(error.message)}\n`);
      else process.stderr.write(`velero-verify: the audit could not run: ${stripControls(describeError(error))}\n`);
      if (process.env.VELERO_VERIFY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      process.exit(2);
    },
  );
}
