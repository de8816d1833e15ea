/**
 * Applies the failure-signature registry (`signatures.ts`) to lines of text: logs, describe output,
 * CLI tables, YAML, mixed pastes. Pure: the caller reads files and streams; this module only looks
 * at one line at a time, keeping a few lines of context per source, so a 200 MB log costs time
 * linear in its size and memory bounded by the number of distinct findings.
 *
 * Two kinds of evidence:
 * - messages (a Velero/AWS/Kopia error text) match where they appear; repeated matches of one
 *   finding are counted, with the first few lines quoted;
 * - phases (describe `Phase:`, a table's STATUS/PHASE cell, YAML `phase:`, the per-volume lists of
 *   `describe --details`) are observations of an object: the latest observation of each object
 *   counts, so a backup described InProgress and then Completed is Completed.
 *
 * Quoted evidence and values are redacted (harness/redact.ts) and stripped of terminal
 * control sequences; they are still untrusted text that a reporter must escape.
 *
 * This module keeps the findings; the parts live in harness/triage/match/: the message signatures
 * of one line (messages.ts), the context lines that turn into phase observations (context.ts), the
 * quoting (text.ts) and the types (types.ts). A whole object file takes the shortcut in
 * harness/triage/object-file.ts.
 */
import { Redactor } from '../redact.ts';
import { SIGNATURES } from './signatures.ts';
import type { Component, ObjectKind, Signature } from './signatures/types.ts';
import { updateContext, type ContextSink } from './match/context.ts';
import { ANY_NEEDLE, ANY_NON_FAILURE, matchMessages } from './match/messages.ts';
import { clean, cleanValues, fill } from './match/text.ts';
import type { Accumulator, EvidenceLine, InputLine, Matcher, MatcherOptions, Observation, SignatureMatch, SourceState } from './match/types.ts';

/** Only this much of a line is matched: Velero's longest messages are a few KiB; a 200 MB line is not a log line. */
const MAX_MATCH_CHARS = 64 * 1024;
/** Quoted evidence is cut here. */
const MAX_QUOTE_CHARS = 1000;

// A log line in logfmt or JSON (maybe behind a log viewer's timestamp): never a table, a describe field or a command.
function isLogLine(text: string): boolean {
  const head = text.length > 80 ? text.slice(0, 80) : text;
  return head.includes('time="') || head.startsWith('{"');
}
const CONTINUATION = /^\s*(?:caused by:|status code: \d{3}\b)/;
const COMPONENT_MARKERS: ReadonlyArray<[RegExp, Component]> = [
  [/Starting Velero node-agent server|Starting Velero restic server|Starting node-agent server/, 'node-agent'],
  [/Starting Velero server\b/, 'server'],
];
const FILE_HINTS: ReadonlyArray<[RegExp, ObjectKind]> = [
  [/backup_describe_|backup-describe/, 'Backup'],
  [/restore_describe_|restore-describe/, 'Restore'],
];

/** Match a whole text already split into lines. */
export function matchSignatures(lines: Iterable<InputLine>, options: MatcherOptions = {}): SignatureMatch[] {
  const matcher = createMatcher(options);
  for (const line of lines) matcher.push(line);
  return matcher.results();
}

/** An incremental matcher: `push` every line of every source in order, then read `results()`. */
export function createMatcher(options: MatcherOptions = {}): Matcher {
  const redactor = options.redactor ?? new Redactor();
  const maxEvidence = options.maxEvidence ?? 3;
  const sources = new Map<string, SourceState>();
  const accumulators = new Map<string, Accumulator>();
  const observations = new Map<string, Observation>();

  const quote = (source: string, line: number, raw: string): EvidenceLine => {
    const text = clean(raw);
    return { source, line, text: redactor.text(text.length > MAX_QUOTE_CHARS ? `${text.slice(0, MAX_QUOTE_CHARS)}…` : text) };
  };

  const stateOf = (source: string): SourceState => {
    let state = sources.get(source);
    if (!state) {
      state = { seq: 0, baseIndent: 0, previous: { line: -1, firstLine: -1, firstText: '' } };
      for (const [pattern, kind] of FILE_HINTS) if (pattern.test(source)) state.kind = kind;
      if (/node-agent|restic/.test(source)) state.component = 'node-agent';
      sources.set(source, state);
    }
    return state;
  };

  const record = (signature: Signature, groups: Record<string, string | undefined>, evidence: EvidenceLine[]): Accumulator => {
    const values = cleanValues(groups, redactor);
    const key = [signature.code, ...(signature.distinctBy ?? []).map((name) => values[name] ?? '')].join('\u0000');
    let accumulator = accumulators.get(key);
    if (!accumulator) {
      accumulator = { signature, values, count: 0, evidence: [] };
      accumulators.set(key, accumulator);
    }
    accumulator.count += 1;
    for (const line of evidence) if (accumulator.evidence.length < maxEvidence) accumulator.evidence.push(line);
    return accumulator;
  };

  const observe = (state: SourceState, source: string, kind: ObjectKind, name: string | undefined, phase: string, evidence: EvidenceLine, display = name): void => {
    const key = name ? `${kind}/${name}` : `${kind}/#${source}#${state.seq}`;
    // Delete first so that the map's order is the order of the latest observations.
    observations.delete(key);
    observations.set(key, { kind, name: display, phase, evidence });
  };
  const context: ContextSink = { observe, record };

  return {
    push({ text: raw, source, line }: InputLine): void {
      const state = stateOf(source);
      const sliced = raw.length > MAX_MATCH_CHARS ? raw.slice(0, MAX_MATCH_CHARS) : raw;

      if (sliced.includes('Starting ')) for (const [pattern, component] of COMPONENT_MARKERS) if (pattern.test(sliced)) state.component = component;

      // A `caused by:` / `status code:` line continues the previous line's error (AWS SDK v1 prints them so).
      const previous = state.previous;
      if (previous.line === line - 1 && previous.text !== undefined && CONTINUATION.test(sliced)) {
        const text = clean(sliced);
        const merged = `${previous.text} ${text.trim()}`;
        if (!ANY_NON_FAILURE.test(merged)) {
          for (const hit of matchMessages(state, merged)) {
            previous.accumulators ??= new Map();
            const known = previous.accumulators.get(hit.signature.code);
            if (known) {
              if (known.evidence.length < maxEvidence) known.evidence.push(quote(source, line, text));
            } else {
              const first = quote(source, previous.firstLine, previous.firstText);
              previous.accumulators.set(hit.signature.code, record(hit.signature, hit.groups, [first, quote(source, line, text)]));
            }
          }
        }
        previous.line = line;
        previous.text = merged.length > MAX_MATCH_CHARS ? merged.slice(0, MAX_MATCH_CHARS) : merged;
        return;
      }

      // The previous line, for a continuation; fields are reused, not reallocated, on the fast path below.
      previous.line = line;
      previous.firstLine = line;
      previous.accumulators = undefined;
      const logLine = isLogLine(sliced);
      // A log line that names no signature's message has nothing more to give (most lines of a large log).
      if (logLine && !ANY_NEEDLE.test(sliced)) {
        previous.text = previous.firstText = sliced;
        return;
      }
      const text = clean(sliced);
      if (ANY_NON_FAILURE.test(text)) {
        previous.text = undefined;
        return;
      }
      previous.text = previous.firstText = text;
      let quoted: EvidenceLine | undefined;
      // Quoted lazily: only lines that show something are ever quoted.
      const evidence = (): EvidenceLine => (quoted ??= quote(source, line, text));
      if (!logLine) updateContext(context, state, source, text, evidence);
      for (const hit of matchMessages(state, text)) {
        previous.accumulators ??= new Map();
        previous.accumulators.set(hit.signature.code, record(hit.signature, hit.groups, [evidence()]));
      }
    },

    settled(kind: ObjectKind, name: string): void {
      observations.delete(`${kind}/${name}`);
    },

    results(): SignatureMatch[] {
      // Copies: results() may be called again after more lines.
      const found: Accumulator[] = [...accumulators.values()].map((entry) => ({ ...entry, values: { ...entry.values }, evidence: [...entry.evidence] }));
      // Phases: the latest observation of each object, grouped by the signature it shows.
      // A code seen both as a message and as a phase (`invalid schedule: …` and FailedValidation) is one finding.
      const byCode = new Map<string, Accumulator>(found.filter((entry) => !entry.signature.distinctBy?.length).map((entry) => [entry.signature.code, entry]));
      const objects = new Map<string, string[]>();
      const objectCounts = new Map<string, number>();
      for (const observation of observations.values()) {
        const signature = SIGNATURES.find((entry) => entry.phases?.kind === observation.kind && entry.phases.phases.includes(observation.phase));
        if (!signature) continue;
        let accumulator = byCode.get(signature.code);
        if (!accumulator) {
          accumulator = { signature, values: {}, count: 0, evidence: [] };
          byCode.set(signature.code, accumulator);
          found.push(accumulator);
        }
        accumulator.count += 1;
        if (accumulator.evidence.length < maxEvidence) accumulator.evidence.push(observation.evidence);
        const names = objects.get(signature.code) ?? [];
        const seen = (objectCounts.get(signature.code) ?? 0) + 1;
        objects.set(signature.code, names);
        objectCounts.set(signature.code, seen);
        if (observation.name && names.length < 3) names.push(observation.name);
        const name = names.length ? names.join(', ') + (seen > names.length ? ` and ${seen - names.length} more` : '') : undefined;
        accumulator.values = { ...accumulator.values, ...cleanValues({ phase: accumulator.values.phase ?? observation.phase, name }, redactor) };
      }
      const precise = new Set(found.filter((entry) => !entry.signature.fallback).map((entry) => entry.signature.item));
      return found
        .filter((entry) => !(entry.signature.fallback && precise.has(entry.signature.item)))
        .map((entry) => ({
          code: entry.signature.code,
          item: entry.signature.item,
          severity: entry.signature.severity,
          title: entry.signature.title,
          cause: fill(entry.signature.cause, entry.values),
          fix: fill(entry.signature.fix, entry.values),
          count: entry.count,
          evidence: entry.evidence.map((line) => ({ ...line })),
          values: entry.values,
        }))
        .sort((a, b) => (a.severity === b.severity ? a.code.localeCompare(b.code) : a.severity === 'error' ? -1 : 1));
    },
  };
}
