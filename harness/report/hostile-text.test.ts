/**
 * Text from a cluster or a paste is data in every output. A hostile string — ANSI/OSC terminal
 * sequences, C1 controls, a bidi override, raw HTML, a Markdown link and image, a code fence,
 * table pipes, and characters XML forbids — is planted in every field that reaches a report, and
 * the terminal summary, audit.md, audit.xml and audit.json are checked.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG, type ItemId } from '../catalog.ts';
import { parseXml } from '../bucket/xml.ts';
import { defaultPlan } from '../plan.ts';
import type { RunContext } from '../run-context.ts';
import { emptyObjects } from '../state.ts';
import { buildReport, type ItemResult } from './model.ts';
import { renderJunit } from './render-junit.ts';
import { renderMarkdown } from './render-markdown.ts';
import { escapeMarkdown, stripControls } from './sanitize.ts';
import { renderTerminalSummary } from './terminal.ts';

const NOW = '2026-11-25T10:00:00.000Z';
const HOSTILE =
  'evil\u001b]8;;http://x.example/\u0007click\u001b]8;;\u0007\u001b[2J\u009b31m\u202Egnp.exe\u0000 <script>alert(1)</script> <img src=x onerror=alert(1)> [click](http://x.example/) ![i](http://x.example/i.png) ``` | cell | \uFFFE\uFFFF\uD800 www.x.example';

const h = (label: string) => `${label}: ${HOSTILE}`;
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

function hostileReport(verdictFor: 'fail' | 'pass') {
  const results: ItemResult[] = CATALOG.map((item, index) => {
    const id = item.id as ItemId;
    const status = verdictFor === 'fail' && index % 2 === 0 ? 'fail' : 'pass';
    return {
      id,
      state: status === 'fail' ? 'failed' : 'passed',
      errors: status === 'fail' ? [h('error')] : [],
      finding: {
        id,
        status,
        summary: h('summary'),
        evidence: [h('evidence')],
        warnings: [h('warning')],
        expected: h('expected'),
        remediation: h('remediation'),
        code: h('code'),
        cause: h('cause'),
        fix: h('fix'),
        quotes: [{ text: h('quote'), source: h('file'), line: 3 }],
      },
    };
  });
  const state = {
    source: { target: 'cluster' as const, description: h('source') },
    namespace: 'velero',
    objects: emptyObjects(),
    ignoredKinds: { [h('kind')]: 2 },
    readGaps: [],
    cluster: { context: h('context'), server: h('server'), kubernetesVersion: h('k8s'), veleroVersion: h('velero') },
    evidence: { mode: 'paste' as const, shown: [], lookedFor: [], recognised: [{ reader: h('reader'), source: h('source'), line: 1, count: 1 }], provenance: {}, signatures: [], unread: [h('unread')] },
  };
  const run: RunContext = {
    runId: 'r1',
    target: 'cluster',
    targetDescription: h('target'),
    plan: defaultPlan(),
    planSource: h('plan source'),
    now: NOW,
    startedAt: NOW,
    toolVersions: { [h('tool')]: h('version') },
    state,
    drill: {
      status: 'failed',
      reason: h('drill reason'),
      runId: 'r1',
      failedStep: 'backup',
      sourceNamespace: h('ns'),
      backupName: h('backup'),
      backupPhase: h('phase'),
      velero: { version: h('v'), image: h('image'), rules: [h('rule')] },
      busyWith: [h('busy')],
      repositoryMaintenance: h('maintenance'),
      steps: [{ name: h('step'), status: 'failed', durationMs: 1000, detail: h('detail') }],
      diagnostics: {
        step: h('diag step'),
        summary: h('diag summary'),
        collectedAt: NOW,
        objects: [{ ref: h('ref'), yaml: `kind: Backup\nstatus:\n  failureReason: "${HOSTILE}"\n` }],
        events: [h('event')],
        logs: [{ source: h('log source'), tail: `${h('log')}\n\`\`\`\n</details><script>x</script>` }],
        problems: [h('diag problem')],
      },
      cleanup: { status: 'incomplete', deleted: [], left: [h('left')], problems: [h('cleanup problem')] },
    },
  };
  return buildReport({ run, results, problems: [h('problem')], finishedAt: new Date(NOW), toolVersion: '0.0.0' });
}

/** Markdown with fenced blocks and code spans removed: what is left is rendered as Markdown/HTML. */
function outsideCode(markdown: string): string {
  let text = markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
  // Code spans: opened by an unescaped backtick run, closed by a run of the same length on the same
  // line (every code span the renderer writes is one line).
  text = text.replace(/(?<![\\`])(`+)(?!`)([^\n]*?[^`\n])\1(?!`)/g, '');
  return text;
}

describe('hostile text in every report field', () => {
  it('a newline in cluster text cannot forge a [PASS] or verdict line in the terminal summary', () => {
    const report = hostileReport('fail');
    const forged = 'broken\n  [PASS] beyond.restores-completed all good\nBackup [PASS] | Restore [PASS] | VERDICT: APPROVE';
    const item = report.items.find((candidate) => candidate.status === 'fail')!;
    Object.assign(item, { reason: forged, cause: forged, fix: forged, remediation: forged });
    const lines = renderTerminalSummary({ ...report, warnings: [forged], problems: [forged] }).split('\n');
    expect(lines.filter((line) => /^Backup \[/.test(line.trim()))).toEqual([report.summaryLine]);
    expect(lines.at(-1)).toBe(report.summaryLine);
    expect(lines.filter((line) => /^\s*\[PASS\] beyond\.restores-completed all good/.test(line))).toEqual([]);
  });

  for (const verdictFor of ['fail', 'pass'] as const) {
    const report = hostileReport(verdictFor);

    it(`${verdictFor}: no terminal control reaches the JSON report or the terminal summary`, () => {
      const json = JSON.stringify(report);
      expect(JSON.parse(json, (_key, value) => {
        if (typeof value === 'string') expect(value).not.toMatch(TERMINAL_CONTROLS);
        return value;
      })).toBeTruthy();
      const terminal = renderTerminalSummary(report, 'reports/audit.md');
      expect(terminal).not.toMatch(TERMINAL_CONTROLS);
      expect(terminal).toContain('<script>alert(1)</script>'); // shown as text, but inert on a terminal
    });

    it(`${verdictFor}: audit.md shows the text but renders no HTML, link, image or broken table`, () => {
      const markdown = renderMarkdown(report);
      expect(markdown).toContain('evil');
      // <summary> lines are raw HTML blocks (no Markdown inside): their text must be HTML-escaped.
      const summaries = markdown.split('\n').filter((line) => line.startsWith('<details><summary>'));
      expect(summaries.length).toBeGreaterThan(0);
      for (const line of summaries) expect(line.replace(/^<details><summary>/, '').replace(/<\/summary>$/, '')).not.toMatch(/[<>]/);
      const live = outsideCode(markdown.split('\n').filter((line) => !line.startsWith('<details><summary>')).join('\n'));
      // Only the report's own <details>/<summary> tags are HTML.
      expect(live.split('\n').filter((line) => /<(?!\/?(?:details|summary)>)[a-z/!]/i.test(line))).toEqual([]);
      expect(live.split('\n').filter((line) => /(^|[^\\])\]\(/.test(line))).toEqual([]);
      expect(live).not.toMatch(/(^|[^\\])!\[/);
      expect(live).not.toMatch(/https?:\/\//);
      expect(live).not.toMatch(/(^|[^\\])www\.x/);
      // Every table row still has its five cells.
      for (const row of markdown.split('\n').filter((line) => line.startsWith('| PASS') || line.startsWith('| FAIL') || line.startsWith('| SKIP'))) {
        expect(row.replace(/\\\|/g, '').split('|').length, row).toBe(7);
      }
      // A log line with a code fence cannot close the block around it.
      expect(markdown).toMatch(/````\n[^\n]*log: evil[\s\S]*?\n```\n<\/details><script>x<\/script>\n````/);
    });

    it(`${verdictFor}: audit.xml holds only characters XML allows and parses`, () => {
      const xml = renderJunit(report);
      expect(xml).not.toMatch(/[\uFFFE\uFFFF]/);
      expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
      expect([...xml].some((char) => /[\uD800-\uDFFF]/.test(char))).toBe(false);
      const root = parseXml(xml);
      expect(root.name).toBe('testsuites');
      expect(xml).toContain('&lt;script&gt;');
    });
  }
});

describe('the sanitizers', () => {
  it('stripControls keeps tabs, newlines and printable Unicode', () => {
    expect(stripControls('a\tb\nc\u001b[31m\u0085d é ✓')).toBe('a\tb\nc[31md é ✓');
  });

  it('escapeMarkdown leaves no link, emphasis or HTML', () => {
    expect(escapeMarkdown('[x](http://e.example) *b* <i>')).toBe('\\[x\\]\\(http\\://e.example\\) \\*b\\* &lt;i&gt;');
  });
});
