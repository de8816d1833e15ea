/**
 * Command line of the deploy script (entry: scripts/deploy.mjs, which loads this file through
 * tsx). Parses flags, loads the plan, and runs harness/deploy/deploy.ts. Every failure ends with
 * one message on stderr and a non-zero exit: 1 when a deploy step failed, 2 for usage and
 * configuration errors. Never a stack trace, never a secret value.
 */
import { describeError, isAuditInputError } from '../harness/errors.ts';
import { loadPlan } from '../harness/plan.ts';
import { ACCESS_KEY_ENV, SECRET_KEY_ENV, credentialsFromInputs } from '../harness/deploy/credentials.ts';
import { DEFAULT_HELM_TIMEOUT, DeployError, deployVelero, renderDryRun } from '../harness/deploy/deploy.ts';
import { parseFlags, processIo, type MainIo } from './io.ts';

export type { MainIo };

const USAGE = `Usage: node scripts/deploy.mjs --context <name> [options]

Install or upgrade Velero (chart vmware-tanzu/velero) with the values of the BackupPlan.

  --context <name>          kubeconfig context to deploy to (required; never the current context
                            implicitly). A context that is not a kind cluster (kind-*) also needs --yes.
  --yes                     Confirm a deploy to a context that is not a kind cluster.
  --kubeconfig <file>       kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config).
  --config <file>           BackupPlan file (default: velero-verify.yaml in the working directory,
                            else the built-in homelab defaults).
  --credentials-file <file> AWS credentials file ([default] aws_access_key_id / aws_secret_access_key)
                            for the Secret. Alternatively set ${ACCESS_KEY_ENV} and
                            ${SECRET_KEY_ENV}. With neither, the Secret must already exist.
  --s3-url <url>            s3Url Velero uses inside the cluster, when it differs from the plan's.
  --release <name>          Helm release name (default: velero).
  --timeout <duration>      Helm --timeout for the pods to become ready (default: ${DEFAULT_HELM_TIMEOUT}).
  --dry-run                 Print the values, the Secret (redacted) and the commands; run nothing.
  -h, --help                This text.

Exit codes: 0 deployed (or dry run printed), 1 a deploy step failed, 2 usage or configuration error.`;


/** Run the deploy command line; resolves to the exit code. */
export async function main(argv: string[], io: MainIo = processIo): Promise<number> {
  const parsed = parseFlags('deploy', argv, {
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    config: { type: 'string' },
    'credentials-file': { type: 'string' },
    's3-url': { type: 'string' },
    release: { type: 'string' },
    timeout: { type: 'string' },
    yes: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }, USAGE, io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { flags } = parsed;
  try {
    const { plan, source } = loadPlan({ explicitPath: flags.config, cwd: io.cwd });
    const credentials = credentialsFromInputs({ credentialsFile: flags['credentials-file'], env: io.env });
    const options = {
      plan,
      context: flags.context,
      kubeconfig: flags.kubeconfig,
      yes: flags.yes,
      release: flags.release,
      timeout: flags.timeout,
      s3Url: flags['s3-url'],
      credentials,
      env: io.env,
      print: (line: string) => io.stderr(`${line}\n`),
    };
    if (flags['dry-run']) {
      io.stdout(renderDryRun(options, source));
      return 0;
    }
    io.stderr(`deploy: plan from ${source}\n`);
    await deployVelero(options);
    return 0;
  } catch (error) {
    if (isAuditInputError(error)) {
      io.stderr(`deploy: ${error.message}\n`);
      return 2;
    }
    if (error instanceof DeployError) {
      io.stderr(`deploy failed: ${error.message}\n`);
      return 1;
    }
    io.stderr(`deploy failed unexpectedly: ${describeError(error)}\n`);
    return 1;
  }
}
