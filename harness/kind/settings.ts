/**
 * The kind tier's settings: the cluster config it creates, the environment variables it reads,
 * the deadlines of its steps and what VELERO_VERIFY_KEEP means.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../schema/reference.ts';
import { KIND_NETWORK_ENV, MINIO_IMAGE_ENV } from './object-store.ts';

export const KIND_CONFIG = resolve(REPO_ROOT, 'fixtures', 'kind', 'cluster.yaml');
export const ENV = {
  reuse: 'VELERO_VERIFY_KIND_REUSE',
  keep: 'VELERO_VERIFY_KEEP',
  minioImage: MINIO_IMAGE_ENV,
  nodeImage: 'VELERO_VERIFY_KIND_NODE_IMAGE',
  config: 'VELERO_VERIFY_CONFIG',
  deployTimeout: 'VELERO_VERIFY_KIND_DEPLOY_TIMEOUT',
  network: KIND_NETWORK_ENV,
} as const;

export const KIND_CREATE_DEADLINE_MS = 15 * 60_000;
export const KIND_DELETE_DEADLINE_MS = 5 * 60_000;
export const KIND_QUERY_DEADLINE_MS = 60_000;
export const DOCKER_RM_DEADLINE_MS = 60_000;
export const ROLLOUT_DEADLINE = '5m';
/** Velero validates a new location on start and then every minute (docs/velero-facts.md §3); its e2e polls up to 1m. */
export const BSL_AVAILABLE_DEADLINE = '3m';

export type KeepMode = 'never' | 'always' | 'on-failure';

export function keepModeOf(value: string | undefined): KeepMode {
  const normalised = (value ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes', 'always'].includes(normalised)) return 'always';
  if (normalised === 'on-failure') return 'on-failure';
  return 'never';
}

/** The node image fixtures/kind/cluster.yaml pins (for the report's tool versions). */
export function configuredNodeImage(): string {
  try {
    const config = parseYaml(readFileSync(KIND_CONFIG, 'utf8')) as { nodes?: Array<{ image?: string }> };
    return config.nodes?.find((node) => node.image)?.image ?? 'kind default';
  } catch {
    return 'unknown';
  }
}
