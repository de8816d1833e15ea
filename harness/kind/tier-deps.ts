/**
 * What the kind tier calls out to (object store, bucket, deploy, audit, clock, signals, detached
 * cleanup), with the real ones as defaults; tests pass stand-ins.
 */
import { tmpdir } from 'node:os';
import type { TestProject } from 'vitest/node';
import type { ClusterAuditOptions, ClusterAuditResult } from '../targets/cluster.ts';
import { deployVelero, type DeployOptions } from '../deploy/deploy.ts';
import { startDetached } from '../tools/run.ts';
import { createBucket, startMinioContainer, type ObjectStoreStarter } from './object-store.ts';

/** The part of vitest's TestProject the tier uses (tests pass a recorder). */
export type ContextProvider = Pick<TestProject, 'provide'>;

export type ClusterAudit = (options: ClusterAuditOptions) => Promise<ClusterAuditResult>;

export interface KindTierDeps {
  /** Environment for the tools and the tier's settings (default process.env). */
  env: NodeJS.ProcessEnv;
  startObjectStore: ObjectStoreStarter;
  createBucket: typeof createBucket;
  deploy: (options: DeployOptions) => Promise<unknown>;
  /** runClusterAudit from harness/targets/cluster.ts, loaded on demand. */
  audit: ClusterAudit;
  log: (line: string) => void;
  now: () => Date;
  /** Where SIGINT/SIGTERM come from (default: the process). */
  signals: Pick<NodeJS.EventEmitter, 'once' | 'removeListener'>;
  /** Start a cleanup command that outlives this process (on Ctrl-C vitest exits at once). */
  spawnDetached: (argv: string[], env: NodeJS.ProcessEnv) => void;
  /** Where the run's temporary directory (kubeconfig) goes. */
  tmpRoot: string;
}

async function loadClusterAudit(): Promise<ClusterAudit> {
  const module = await import('../targets/cluster.ts');
  return module.runClusterAudit;
}

export function defaultTierDeps(): KindTierDeps {
  return {
    env: process.env,
    startObjectStore: startMinioContainer,
    createBucket,
    deploy: deployVelero,
    audit: async (options) => (await loadClusterAudit())(options),
    log: (line) => process.stderr.write(`[kind tier] ${line}\n`),
    now: () => new Date(),
    signals: process,
    spawnDetached: startDetached,
    tmpRoot: tmpdir(),
  };
}
