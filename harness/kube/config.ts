/**
 * Load the kubeconfig for `npm run audit` explicitly: `--kubeconfig`, else `$KUBECONFIG`
 * (several paths merged, first wins, as kubectl does), else `~/.kube/config`; context from
 * `--context`, else the file's current-context. Anything missing is an AuditInputError.
 *
 * client-node's `loadFromDefault()` is deliberately not used: with no file it silently falls back
 * to `http://localhost:8080` without auth (docs/architecture.md §9), which would audit the wrong thing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { AuditInputError, describeError } from '../errors.ts';

export interface KubeTarget {
  kubeConfig: KubeConfig;
  context: string;
  server: string;
  /** Where the kubeconfig came from (flag, env, home), for the report and error messages. */
  kubeconfigSource: string;
  files: string[];
}

export interface LoadKubeTargetOptions {
  kubeconfig?: string;
  context?: string;
  env?: Record<string, string | undefined>;
  homeDir?: string;
}

function candidateFiles(options: LoadKubeTargetOptions): { files: string[]; source: string } {
  const env = options.env ?? process.env;
  if (options.kubeconfig) {
    const file = resolve(options.kubeconfig);
    if (!existsSync(file)) {
      throw new AuditInputError(`The kubeconfig file ${options.kubeconfig} (--kubeconfig) does not exist. Pass the path of a kubeconfig file that holds the cluster to audit.`);
    }
    return { files: [file], source: `--kubeconfig ${options.kubeconfig}` };
  }
  const fromEnv = env.KUBECONFIG?.split(delimiter).filter((entry) => entry.trim() !== '') ?? [];
  if (fromEnv.length > 0) {
    const existing = fromEnv.map((entry) => resolve(entry)).filter((file) => existsSync(file));
    if (existing.length === 0) {
      throw new AuditInputError(`KUBECONFIG is set to "${env.KUBECONFIG}" but none of its files exist. Point KUBECONFIG (or --kubeconfig) at the kubeconfig of the cluster to audit.`);
    }
    return { files: existing, source: `KUBECONFIG=${env.KUBECONFIG}` };
  }
  const home = options.homeDir ?? homedir();
  const file = resolve(home, '.kube', 'config');
  if (!existsSync(file)) {
    throw new AuditInputError(
      `No kubeconfig found: --kubeconfig was not given, KUBECONFIG is not set and ${file} does not exist. Pass --kubeconfig <file> (and --context <name>) for the cluster to audit; velero-verify never falls back to localhost:8080.`,
    );
  }
  return { files: [file], source: file };
}

function loadOne(file: string): KubeConfig {
  const config = new KubeConfig();
  try {
    // Parse first to give a clear message for a file that is not a kubeconfig at all.
    const text = readFileSync(file, 'utf8');
    config.loadFromString(text);
    config.makePathsAbsolute(resolve(file, '..'));
  } catch (error) {
    throw new AuditInputError(`The kubeconfig ${file} cannot be read: ${describeError(error)}. Expected a kubeconfig YAML with clusters, users and contexts.`);
  }
  return config;
}

/** Merge like kubectl: the first file that defines a name wins; current-context from the first file that sets one. */
function merge(configs: KubeConfig[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const config of configs) {
    for (const cluster of config.getClusters()) if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    for (const user of config.getUsers()) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of config.getContexts()) if (!contexts.has(context.name)) contexts.set(context.name, context);
    if (!currentContext && config.getCurrentContext()) currentContext = config.getCurrentContext();
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext });
  return merged;
}

export function loadKubeTarget(options: LoadKubeTargetOptions = {}): KubeTarget {
  const { files, source } = candidateFiles(options);
  const kubeConfig = merge(files.map(loadOne));
  const known = kubeConfig.getContexts().map((context) => context.name);
  const knownText = known.length ? `; contexts in it: ${known.join(', ')}` : '; it defines no contexts';
  let contextName = options.context;
  if (contextName) {
    if (!known.includes(contextName)) {
      throw new AuditInputError(`The context "${contextName}" (--context) is not defined in the kubeconfig (${source})${knownText}.`);
    }
  } else {
    contextName = kubeConfig.getCurrentContext();
    if (!contextName) {
      throw new AuditInputError(`The kubeconfig (${source}) has no current-context and --context was not given${knownText}. Pass --context <name>.`);
    }
    if (!known.includes(contextName)) {
      throw new AuditInputError(`The kubeconfig (${source}) names current-context "${contextName}", which it does not define${knownText}. Pass --context <name>.`);
    }
  }
  kubeConfig.setCurrentContext(contextName);
  const context = kubeConfig.getContextObject(contextName)!;
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    throw new AuditInputError(`The context "${contextName}" in the kubeconfig (${source}) refers to cluster "${context.cluster}", which the kubeconfig does not define.`);
  }
  if (!cluster.server) {
    throw new AuditInputError(`The cluster "${cluster.name}" in the kubeconfig (${source}) has no server URL.`);
  }
  if (context.user && !kubeConfig.getCurrentUser()) {
    throw new AuditInputError(`The context "${contextName}" in the kubeconfig (${source}) refers to user "${context.user}", which the kubeconfig does not define.`);
  }
  return { kubeConfig, context: contextName, server: cluster.server, kubeconfigSource: source, files };
}
