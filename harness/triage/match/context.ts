/**
 * What the lines around a line say about it: the command that printed it (`velero backup get`,
 * `kubectl describe pod`), the object being described or listed (YAML `kind:`/`metadata.name`,
 * describe `Name:`), a table's header, the per-volume lists of `describe --details`. From these
 * the matcher reads phase observations (`Phase:`, a STATUS/PHASE cell, `paused: true`) and the
 * state of a described pod's container.
 */
import { signatureFor } from '../signatures.ts';
import type { ObjectKind, Signature } from '../signatures/types.ts';
import type { EvidenceLine, SourceState, Table } from './types.ts';

const RESOURCE_KINDS: ReadonlyArray<[RegExp, ObjectKind]> = [
  [/^(?:backups?|backup\.velero\.io|backups\.velero\.io)$/i, 'Backup'],
  [/^(?:restores?|restores?\.velero\.io)$/i, 'Restore'],
  [/^(?:schedules?|schedules?\.velero\.io)$/i, 'Schedule'],
  [/^(?:backupstoragelocations?(?:\.velero\.io)?|bsl|backup-locations?)$/i, 'BackupStorageLocation'],
  [/^(?:backuprepositor(?:y|ies)(?:\.velero\.io)?|repo|resticrepositor(?:y|ies))$/i, 'BackupRepository'],
  [/^(?:podvolumebackups?(?:\.velero\.io)?|pvb)$/i, 'PodVolumeBackup'],
  [/^(?:podvolumerestores?(?:\.velero\.io)?|pvr)$/i, 'PodVolumeRestore'],
];
// Flags are `-x`/`--name[=value]`/`--name value`: a flag starts with a word character after its dashes and a value never
// starts with a dash, so each word parses one way only (no backtracking blow-up on a line of many flags).
const VELERO_COMMAND = /\b(?:velero|ark|oadp)\s+(?:(?:--?\w[\w-]*(?:=\S+)?\s+)*)(?:get\s+(?<plural>backups|restores|schedules|backup-locations)\b|(?<noun>backup|restore|schedule|backup-location|repo)\s+(?<verb>describe|get|logs)\b(?:\s+(?<arg>[a-z0-9][\w.-]{0,252}))?)/;
const KUBECTL_COMMAND = /\b(?:kubectl|oc)\s+(?:(?:--?\w[\w-]*(?:[= ](?![-\s])\S+)?\s+)*)(?:get|describe)\s+(?<resource>[\w.-]+)(?:[ /](?<arg>[a-z0-9][\w.-]{0,252}))?/;
// A resource's kind (YAML `kind:`, kubectl describe `Kind:`); ownerReferences are deeper. Kinds the registry has no phases for (Pod, Job, List) end the previous object.
const KIND_LINE = /^(?:\s{0,2}|\s{0,2}- )[Kk]ind:\s+["']?(?<kind>[A-Z][A-Za-z]{0,62})["']?\s*$/;
export const PHASED_KINDS: ReadonlySet<string> = new Set(['Backup', 'Restore', 'Schedule', 'BackupStorageLocation', 'BackupRepository', 'PodVolumeBackup', 'PodVolumeRestore']);
const DESCRIBE_NAME = /^Name:\s+(?<name>\S{1,253})\s*$/;
const POD_STATE = /^\s+State:\s+(?<state>Waiting|Running|Terminated)\b/;
const POD_REASON = /^\s+Reason:\s+(?<reason>CrashLoopBackOff|ImagePullBackOff|ErrImagePull|OOMKilled|CreateContainerConfigError|Error)\s*$/;
// `Phase:` of describe output (velero: column 0; kubectl: under `Status:`), `phase:` of YAML (`status.phase`, also in a List).
// Deeper `Phase:` lines are not the object's: a backup's item operations print their own (`    Phase:  Failed`).
const PHASE_LINE = /^(?<indent>\s*)(?<key>Phase|phase):\s+["']?(?<phase>[A-Za-z]{1,60})\b/;
const INLINE_KIND = /\(run [`'"]?(?:velero|ark) (?<noun>backup|restore) logs (?<name>[\w.-]{1,253})/;
const PAUSED_LINE = /^\s{0,4}(?:Paused|paused):\s+["']?true\b/;
const VOLUME_LIST = /^(?<indent>\s*)(?:Pod Volume (?<pv>Backups|Restores)(?: - \w+)?|(?:Restic|Kopia|kopia|restic) (?<legacy>Backups|Restores))(?: \([^)]{0,80}\))?:\s*$/;
// `describe --details` lists volumes under each phase; without --details it prints a count (`Failed:  2`).
const VOLUME_GROUP = /^\s+(?<group>Completed|Failed|New|In Progress|InProgress|Canceled|Cancelled|Canceling|Accepted|Prepared|Pending):\s*(?<count>\d{1,9})?\s*$/;
const VOLUME_ENTRY = /^\s+(?<entry>[^\s:/]{1,253}\/[^\s:]{1,253}):\s*(?<volumes>\S.{0,500})$/;
const METADATA = /^(?<indent>\s*)(?:- )?metadata:\s*$/;
// A phase observed under a name is keyed by kind and name; these phases name only one kind.
export const UNIQUE_PHASES: Readonly<Record<string, ObjectKind>> = { Unavailable: 'BackupStorageLocation', NotReady: 'BackupRepository' };

/** Where the context reports to the matcher: a phase observed of an object, a finding read from context (a described pod that is not running). */
export interface ContextSink {
  observe(state: SourceState, source: string, kind: ObjectKind, name: string | undefined, phase: string, evidence: EvidenceLine, display?: string): void;
  record(signature: Signature, groups: Record<string, string | undefined>, evidence: EvidenceLine[]): unknown;
}

/** Reads one line (not a log line: those carry no context) into the source's state. */
export function updateContext(sink: ContextSink, state: SourceState, source: string, text: string, evidence: () => EvidenceLine): void {
  const { observe, record } = sink;
  const trimmed = text.trim();
  if (trimmed === '' || /^`{3}/.test(trimmed)) {
    state.table = undefined;
    return;
  }
  const indent = text.length - text.trimStart().length;

  // Before commands: a describe phase line names its own logs command (`(run 'velero backup logs x' …)`).
  const phaseLine = PHASE_LINE.exec(text);
  const depth = indent - state.baseIndent;
  if (phaseLine?.groups?.phase && (phaseLine.groups.key === 'Phase' ? depth <= 2 : depth >= 2 && depth <= 6)) {
    const inline = INLINE_KIND.exec(text);
    const phase = phaseLine.groups.phase;
    const kind: ObjectKind | undefined = inline
      ? inline.groups?.noun === 'restore'
        ? 'Restore'
        : 'Backup'
      : (state.kind ?? UNIQUE_PHASES[phase]);
    const name = inline?.groups?.name ?? state.name;
    if (kind) observe(state, source, kind, name, phase, evidence());
    return;
  }
  const velero = VELERO_COMMAND.exec(text);
  const kubectl = velero ? null : KUBECTL_COMMAND.exec(text);
  if (velero || kubectl) {
    const word = velero ? (velero.groups?.plural ?? velero.groups?.noun ?? '') : (kubectl?.groups?.resource ?? '');
    const kind = RESOURCE_KINDS.find(([pattern]) => pattern.test(word))?.[1];
    state.describingPod = Boolean(kubectl && /^pods?$/.test(word) && /\bdescribe\b/.test(text));
    state.pod = state.describingPod ? (kubectl?.groups?.arg ?? undefined) : undefined;
    state.waiting = false;
    state.baseIndent = 0;
    state.headerSeen = false;
    if (state.describingPod) return;
    if (kind) {
      state.kind = kind;
      state.commandKind = kind;
      state.name = (velero ?? kubectl)?.groups?.arg;
      state.seq += 1;
      state.table = undefined;
      state.volumes = undefined;
      return;
    }
  }

  const kindLine = KIND_LINE.exec(text);
  if (kindLine?.groups?.kind) {
    state.kind = PHASED_KINDS.has(kindLine.groups.kind) ? (kindLine.groups.kind as ObjectKind) : undefined;
    // `kubectl describe` prints `Kind:` after the object's `Name:`; YAML prints `kind:` before its name.
    if (text.trimStart().startsWith('kind')) {
      state.name = undefined;
      state.headerSeen = false;
      state.seq += 1;
    }
    return;
  }

  const header = tableHeader(trimmed, state.commandKind);
  if (header) {
    state.table = header;
    state.volumes = undefined;
    return;
  }
  if (state.table) {
    const cells = trimmed.split(/\t+|\s{2,}/);
    const table = state.table;
    if (cells.length > table.status && cells.length >= 2) {
      const name = cells[table.name];
      // The phase is the cell's first word: Velero 1.0–1.1 printed `PartiallyFailed (2 errors)`.
      const phase = /^[A-Za-z]{1,60}(?=\s|$)/.exec(cells[table.status] ?? '')?.[0];
      if (name && phase) observe(state, source, table.kind, name, phase, evidence());
      if (table.paused >= 0 && cells[table.paused] === 'true') observe(state, source, table.kind, name, 'Paused', evidence());
    }
    return;
  }

  // The describe header's `Name:` (a paste may indent the whole output); a nested `Name:` is not the object's.
  const describeName = indent <= state.baseIndent || !state.headerSeen ? DESCRIBE_NAME.exec(text.slice(indent)) : null;
  if (describeName?.groups?.name) {
    if (state.describingPod) state.pod = describeName.groups.name;
    else state.name = describeName.groups.name;
    state.baseIndent = indent;
    state.headerSeen = true;
    return;
  }
  if (state.describingPod && state.pod) {
    // `kubectl describe pod`: the container's current state (not `Last State:`, which is history).
    const current = POD_STATE.exec(text);
    if (current) {
      state.waiting = current.groups?.state === 'Waiting' || current.groups?.state === 'Terminated';
      return;
    }
    const reason = POD_REASON.exec(text);
    if (reason?.groups?.reason && state.waiting) {
      state.waiting = false;
      const code = /^(?:node-agent|restic)-/.test(state.pod) ? 'VV-NA-004' : /^velero-/.test(state.pod) && !state.pod.includes('maintain-job') ? 'VV-POD-001' : undefined;
      if (code) record(signatureFor(code), { pod: state.pod, status: reason.groups.reason }, [evidence()]);
      return;
    }
  }
  const metadata = METADATA.exec(text);
  if (metadata) {
    state.metadataIndent = metadata.groups?.indent.length ?? 0;
    return;
  }
  if (state.metadataIndent !== undefined) {
    if (indent <= state.metadataIndent) state.metadataIndent = undefined;
    else {
      const yamlName = /^\s*name:\s+["']?(?<name>[\w.-]{1,253})["']?\s*$/.exec(text);
      if (yamlName?.groups?.name && indent === state.metadataIndent + 2) state.name = yamlName.groups.name;
    }
  }

  const list = VOLUME_LIST.exec(text);
  if (list) {
    const restores = (list.groups?.pv ?? list.groups?.legacy) === 'Restores';
    state.volumes = { kind: restores ? 'PodVolumeRestore' : 'PodVolumeBackup', indent: list.groups?.indent.length ?? 0 };
    return;
  }
  if (state.volumes) {
    const group = VOLUME_GROUP.exec(text);
    if (group?.groups?.group && indent > state.volumes.indent) {
      state.volumes.group = group.groups.group.replace(/\s+/, '').replace('Cancelled', 'Canceled');
      const count = Number(group.groups.count ?? 0);
      if (count > 0) {
        const key = `#${source}#${state.seq}#${state.volumes.group}`;
        observe(state, source, state.volumes.kind, key, state.volumes.group, evidence(), `(${count} volume${count === 1 ? '' : 's'})`);
      }
      return;
    }
    const entry = VOLUME_ENTRY.exec(text);
    if (entry?.groups?.entry && state.volumes.group && indent > state.volumes.indent) {
      observe(state, source, state.volumes.kind, `${entry.groups.entry}: ${entry.groups.volumes.trim()}`, state.volumes.group, evidence());
      return;
    }
    if (indent <= state.volumes.indent) state.volumes = undefined;
    else return;
  }

  if (PAUSED_LINE.test(text) && state.kind === 'Schedule') observe(state, source, 'Schedule', state.name, 'Paused', evidence());
}

/** A table header: the kind of object its rows are, and where NAME and STATUS/PHASE are. */
function tableHeader(trimmed: string, commandKind: ObjectKind | undefined): Table | undefined {
  if (!/^(?:NAME|NAMESPACE)\s/.test(trimmed)) return undefined;
  const columns = trimmed.split(/\t+|\s{2,}/);
  const has = (column: string) => columns.includes(column);
  let kind: ObjectKind | undefined;
  if (has('EXPIRES')) kind = 'Backup';
  else if (has('BACKUP') && has('STARTED')) kind = 'Restore';
  else if (has('SCHEDULE') && (has('LAST BACKUP') || has('BACKUP TTL'))) kind = 'Schedule';
  else if (has('PHASE') && (has('LAST VALIDATED') || has('PROVIDER') || has('BUCKET/PREFIX'))) kind = 'BackupStorageLocation';
  else if (commandKind === 'PodVolumeRestore' && has('STATUS')) kind = 'PodVolumeRestore';
  else if (has('UPLOADER TYPE') || has('UPLOADER') || has('BYTES DONE')) kind = 'PodVolumeBackup';
  else if (commandKind && (has('STATUS') || has('PHASE'))) kind = commandKind;
  if (!kind) return undefined;
  const status = columns.indexOf(has('STATUS') ? 'STATUS' : 'PHASE');
  if (status < 0) return undefined;
  return { kind, name: columns.indexOf('NAME'), status, paused: columns.indexOf('PAUSED') };
}
