/**
 * Plan: "Must NOT Have (Guardrails)".
 */
import { describe } from 'vitest';
import { planItem } from './support/plan-item.ts';

describe('Must NOT Have (Guardrails)', () => {
  // - Do NOT use existing `hosts-secrets.enc.yaml` directly (must use `k8s-secrets.enc.yaml`).
  planItem('guard.k8s-secrets');
  // - Do NOT expose MinIO publicly (keep LAN only).
  planItem('guard.lan-only');
  // Beyond the plan's words, the same guardrail spirit: Velero's own MinIO user, not the root one.
  planItem('guard.minio-root-credentials');
  // Kopia encrypts with velero-repo-credentials; Velero's default lets any bucket reader decrypt.
  planItem('guard.repository-password');
});
