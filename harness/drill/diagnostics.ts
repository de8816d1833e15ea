/**
 * Failure-only collectors (chainsaw's catch block; docs/architecture.md §9): on a failed or timed-out drill
 * step, BEFORE cleanup removes the evidence, read the objects involved, recent events of the drill
 * and Velero namespaces, and tails of the velero server and node-agent logs. Everything is
 * redacted: credential-looking values and the exact values the run holds in memory.
 */
import { stringify as toYaml } from 'yaml';
import type { KubeObject } from '../state.ts';
import { describeError } from '../errors.ts';
import type { KubeApi } from '../kube/api.ts';
import type { Redactor } from '../redact.ts';
import { describeRef, R } from '../kube/resources.ts';
import type { ObjectRef } from '../kube/wait.ts';
import type { DrillDiagnostics } from './types.ts';

export interface DiagnosticsRequest {
  step: string;
  summary: string;
  refs: ObjectRef[];
  namespaces: string[];
  veleroNamespace: string;
  redactor: Redactor;
  /** Diagnostics get their own short deadline: they must not hold up cleanup for long. */
  deadlineMs?: number;
  logTailLines?: number;
}

const MAX_EVENTS = 40;

function withoutNoise(object: KubeObject): KubeObject {
  const copy = structuredClone(object);
  delete (copy.metadata as { managedFields?: unknown }).managedFields;
  return copy;
}

function eventTime(event: KubeObject): string {
  const e = event as Record<string, unknown>;
  return String(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? event.metadata.creationTimestamp ?? '');
}

function formatEvent(event: KubeObject): string {
  const e = event as Record<string, any>;
  const involved = e.involvedObject ?? e.regarding ?? {};
  const count = typeof e.count === 'number' && e.count > 1 ? ` (x${e.count})` : '';
  return `${eventTime(event)} ${e.type ?? 'Normal'} ${involved.kind ?? '?'}/${involved.namespace ? `${involved.namespace}/` : ''}${involved.name ?? '?'}: ${e.reason ?? ''}: ${String(e.message ?? e.note ?? '').trim()}${count}`;
}

/** The velero server pods (Deployment `velero`) and node-agent pods (DaemonSet `node-agent`), docs/velero-facts.md §5/§8. */
function veleroLogSources(pods: KubeObject[]): Array<{ pod: KubeObject; container: string; source: string }> {
  const sources: Array<{ pod: KubeObject; container: string; source: string }> = [];
  for (const pod of pods) {
    const owners = pod.metadata.ownerReferences ?? [];
    const name = pod.metadata.name;
    if (owners.some((owner) => owner.kind === 'DaemonSet' && owner.name === 'node-agent')) {
      sources.push({ pod, container: 'node-agent', source: `node-agent pod ${name}` });
    } else if (owners.some((owner) => owner.kind === 'ReplicaSet' && /^velero-[a-z0-9]+$/.test(owner.name))) {
      sources.push({ pod, container: 'velero', source: `velero pod ${name}` });
    }
  }
  // The server first, then at most four node-agents (the canary ran on one of them).
  return [...sources.filter((s) => s.container === 'velero'), ...sources.filter((s) => s.container === 'node-agent').slice(0, 4)];
}

export async function collectDiagnostics(api: KubeApi, request: DiagnosticsRequest): Promise<DrillDiagnostics> {
  const { redactor } = request;
  const deadlineMs = request.deadlineMs ?? 15_000;
  const tailLines = request.logTailLines ?? 60;
  const diagnostics: DrillDiagnostics = {
    step: request.step,
    summary: redactor.text(request.summary),
    collectedAt: new Date().toISOString(),
    objects: [],
    events: [],
    logs: [],
    problems: [],
  };
  const note = (what: string, error: unknown) => diagnostics.problems.push(redactor.text(`${what}: ${describeError(error)}`));

  for (const ref of request.refs) {
    const label = describeRef(ref.type, ref.name, ref.namespace);
    try {
      const object = await api.get(ref.type, ref.name, ref.namespace, { deadlineMs });
      diagnostics.objects.push({ ref: label, yaml: redactor.text(object ? toYaml(withoutNoise(object)) : '(not found)\n') });
    } catch (error) {
      note(`could not read ${label}`, error);
    }
  }

  const events: KubeObject[] = [];
  for (const namespace of [...new Set([...request.namespaces, request.veleroNamespace])]) {
    try {
      events.push(...(await api.list(R.events, { namespace, signal: undefined })).items);
    } catch (error) {
      note(`could not list events in ${namespace}`, error);
    }
  }
  events.sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
  diagnostics.events = events.slice(-MAX_EVENTS).map((event) => redactor.text(formatEvent(event)));

  try {
    const pods = (await api.list(R.pods, { namespace: request.veleroNamespace })).items;
    const sources = veleroLogSources(pods);
    if (sources.length === 0) diagnostics.problems.push(`no velero or node-agent pods found in namespace ${request.veleroNamespace}`);
    for (const { pod, container, source } of sources) {
      try {
        const tail = await api.podLog(request.veleroNamespace, pod.metadata.name, { container, tailLines, deadlineMs });
        diagnostics.logs.push({ source, tail: redactor.text(tail) });
      } catch (error) {
        note(`could not read the log of ${source}`, error);
      }
    }
  } catch (error) {
    note(`could not list pods in ${request.veleroNamespace}`, error);
  }
  return diagnostics;
}
