/**
 * Why a restore did not complete, from the objects Velero made for it: its PodVolumeRestores
 * (label velero.io/restore-name) and the restored pods with their init containers. Velero injects
 * the restore helper `restore-wait` as the first init container; a PodVolumeRestore starts only
 * once that container runs (docs/velero-facts.md, "The drill and Velero's controllers"), so a
 * helper image that cannot be pulled stalls the whole restore.
 */
import type { KubeObject } from '../state.ts';
import type { KubeApi } from '../kube/api.ts';
import { isAborted } from '../kube/errors.ts';
import { R } from '../kube/resources.ts';
import type { ObjectRef } from '../kube/wait.ts';
import { describeError } from '../errors.ts';

const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);
const RESTORE_HELPER_CONTAINER = 'restore-wait';

export interface RestoreCause {
  /** One clause per finding, most telling first. */
  lines: string[];
  refs: ObjectRef[];
  podVolumeRestores: Array<{ name: string; volume?: string; pod?: string; phase?: string; message?: string }>;
}

interface ContainerStatus {
  name: string;
  image?: string;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { reason?: string; exitCode?: number } };
}

function initStatus(pod: KubeObject): string {
  const statuses = ((pod.status as { initContainerStatuses?: ContainerStatus[] } | undefined)?.initContainerStatuses) ?? [];
  if (statuses.length === 0) return 'no init container status';
  return statuses.map((status) => `${status.name}: ${status.state?.waiting ? `waiting (${status.state.waiting.reason ?? '?'})` : status.state?.running ? 'running' : status.state?.terminated ? `terminated (${status.state.terminated.reason ?? status.state.terminated.exitCode})` : 'unknown'}`).join(', ');
}

export async function explainRestore(api: KubeApi, restoreName: string, veleroNamespace: string, targetNamespace: string, signal?: AbortSignal): Promise<RestoreCause> {
  const cause: RestoreCause = { lines: [], refs: [], podVolumeRestores: [] };
  try {
    const pods = (await api.list(R.pods, { namespace: targetNamespace, signal })).items;
    for (const pod of pods) {
      const statuses = ((pod.status as { initContainerStatuses?: ContainerStatus[] } | undefined)?.initContainerStatuses) ?? [];
      const helper = statuses.find((status) => status.name === RESTORE_HELPER_CONTAINER);
      const declared = ((pod.spec as { initContainers?: Array<{ name: string; image?: string }> } | undefined)?.initContainers ?? []).find((container) => container.name === RESTORE_HELPER_CONTAINER);
      const waiting = helper?.state?.waiting;
      if (helper && waiting?.reason && PULL_FAILURES.has(waiting.reason)) {
        const image = helper.image ?? declared?.image ?? '(unknown image)';
        cause.lines.unshift(
          `the restored pod ${targetNamespace}/${pod.metadata.name} is stuck in Init:${waiting.reason}: Velero's restore helper image ${image} cannot be pulled, so its PodVolumeRestores never start (Velero 1.14/1.15 pull velero/velero-restore-helper from Docker Hub, 1.16+ reuse the server image; on an air-gapped or mirrored cluster set the image in the ConfigMap labelled velero.io/pod-volume-restore=RestoreItemAction)`,
        );
      } else if (declared) {
        cause.lines.push(`restored pod ${targetNamespace}/${pod.metadata.name}: phase ${(pod.status as { phase?: string } | undefined)?.phase ?? 'Pending'}, init containers ${initStatus(pod)}`);
      }
      cause.refs.push({ type: R.pods, name: pod.metadata.name, namespace: targetNamespace });
    }
  } catch (error) {
    if (isAborted(error)) throw error;
    cause.lines.push(`the restored pods could not be read: ${describeError(error)}`);
  }
  try {
    const pvrs = (await api.list(R.podVolumeRestores, { namespace: veleroNamespace, labelSelector: `velero.io/restore-name=${restoreName}`, signal })).items;
    for (const pvr of pvrs) {
      const spec = (pvr.spec ?? {}) as { volume?: string; pod?: { namespace?: string; name?: string } };
      const status = (pvr.status ?? {}) as { phase?: string; message?: string };
      cause.podVolumeRestores.push({ name: pvr.metadata.name, volume: spec.volume, pod: spec.pod ? `${spec.pod.namespace}/${spec.pod.name}` : undefined, phase: status.phase, ...(status.message ? { message: status.message } : {}) });
      if (status.phase !== 'Completed') cause.lines.push(`PodVolumeRestore ${pvr.metadata.name} (volume ${spec.volume ?? '?'}) is ${status.phase || 'New'}${status.message ? `: ${status.message}` : ''}`);
      cause.refs.push({ type: R.podVolumeRestores, name: pvr.metadata.name, namespace: veleroNamespace });
    }
    if (pvrs.length === 0) cause.lines.push(`no PodVolumeRestore labelled velero.io/restore-name=${restoreName}`);
  } catch (error) {
    if (isAborted(error)) throw error;
    cause.lines.push(`the PodVolumeRestores could not be read: ${describeError(error)}`);
  }
  return cause;
}
