/**
 * What the kind tier needs on the machine: a reachable Docker ENGINE (the client alone is not
 * enough: `docker info` must answer), kind, Helm and kubectl. When anything is missing the tier
 * is NOT RUN — with each missing piece named and how to get it — and never passes.
 */
import { findExecutable, lastLines, runCommand } from '../tools/run.ts';

export interface MissingPrerequisite {
  /** Short name for the report: "Docker engine", "kind", "helm", "kubectl". */
  name: string;
  /** What was observed and how to fix it, in one sentence. */
  detail: string;
}

export interface PrerequisiteCheck {
  missing: MissingPrerequisite[];
  /** Versions of what is there (for the report's tool versions). */
  versions: Record<string, string>;
}

const PROBE_DEADLINE_MS = 20_000;

const INSTALL_HINTS = {
  docker: 'install Docker Engine or Docker Desktop (https://docs.docker.com/engine/install/) and start it',
  kind: 'install kind v0.31.0 or newer (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
  helm: 'install Helm 3 (https://helm.sh/docs/intro/install/)',
  kubectl: 'install kubectl (https://kubernetes.io/docs/tasks/tools/)',
} as const;

async function probeVersion(argv: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const result = await runCommand(argv, { env, timeoutMs: PROBE_DEADLINE_MS });
  if (result.exitCode !== 0) return undefined;
  return result.stdout.trim().split('\n')[0]?.trim() || 'unknown';
}

export async function checkKindPrerequisites(env: NodeJS.ProcessEnv): Promise<PrerequisiteCheck> {
  const missing: MissingPrerequisite[] = [];
  const versions: Record<string, string> = {};

  if (!(await findExecutable('docker', env))) {
    missing.push({ name: 'Docker engine', detail: `the docker CLI is not on PATH: ${INSTALL_HINTS.docker}` });
  } else {
    const info = await runCommand(['docker', 'info', '--format', '{{.ServerVersion}}'], { env, timeoutMs: PROBE_DEADLINE_MS });
    const serverVersion = info.stdout.trim();
    if (info.exitCode !== 0 || !serverVersion) {
      const why = info.timedOut ? `did not answer within ${PROBE_DEADLINE_MS / 1000}s` : lastLines(info.stderr, 1) || `exited with ${info.exitCode}`;
      missing.push({
        name: 'Docker engine',
        detail: `the docker CLI is installed but \`docker info\` cannot reach an engine (${why}): start Docker (or point DOCKER_HOST at a running engine)`,
      });
    } else {
      versions.docker = serverVersion;
    }
  }

  const tools: Array<{ name: 'kind' | 'helm' | 'kubectl'; version: string[] }> = [
    { name: 'kind', version: ['kind', 'version'] },
    { name: 'helm', version: ['helm', 'version', '--short'] },
    { name: 'kubectl', version: ['kubectl', 'version', '--client'] },
  ];
  for (const tool of tools) {
    if (!(await findExecutable(tool.name, env))) {
      missing.push({ name: tool.name, detail: `not on PATH: ${INSTALL_HINTS[tool.name]}` });
      continue;
    }
    const version = await probeVersion(tool.version, env);
    if (version === undefined) missing.push({ name: tool.name, detail: `\`${tool.version.join(' ')}\` failed: reinstall it (${INSTALL_HINTS[tool.name]})` });
    else versions[tool.name] = version;
  }
  return { missing, versions };
}

/** The NOT RUN reason: every missing prerequisite named, with how to get it. */
export function describeMissing(missing: MissingPrerequisite[]): string {
  const names = missing.map((item) => item.name);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
  return `the kind tier needs ${list}, which ${missing.length > 1 ? 'are' : 'is'} not available here — ${missing
    .map((item) => `${item.name}: ${item.detail}`)
    .join('; ')}. See docs/kind-tier.md.`;
}
