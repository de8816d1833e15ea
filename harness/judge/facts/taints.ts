/**
 * Kubernetes taints and tolerations: which nodes a DaemonSet's pods cannot run on.
 * Pure: no I/O and no clock (times are compared against the `now` a judge receives).
 */
import type { KubeObject } from '../../state.ts';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((toleration) => {
    if (toleration.effect && toleration.effect !== taint.effect) return false;
    if (!toleration.key) return toleration.operator === 'Exists';
    if (toleration.key !== taint.key) return false;
    return toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
  });
}

/** Taints that keep pods with `tolerations` off `node` (NoSchedule / NoExecute). */
export function blockingTaints(node: KubeObject | undefined, tolerations: Toleration[]): Taint[] {
  const taints = (node?.spec?.taints ?? []) as Taint[];
  return taints.filter((taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerates(tolerations, taint));
}

export function taintText(taint: Taint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}
