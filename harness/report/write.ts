/** Write the three report files atomically (temp file + rename): never a half-written report. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditReport } from './model.ts';
import { renderJunit } from './render-junit.ts';
import { renderMarkdown } from './render-markdown.ts';

export interface WrittenReport {
  markdown: string;
  json: string;
  junit: string;
}

function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

export function writeReport(report: AuditReport, reportDir: string): WrittenReport {
  mkdirSync(reportDir, { recursive: true });
  const paths = { markdown: join(reportDir, 'audit.md'), json: join(reportDir, 'audit.json'), junit: join(reportDir, 'audit.xml') };
  writeAtomically(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  writeAtomically(paths.junit, renderJunit(report));
  writeAtomically(paths.markdown, renderMarkdown(report));
  return paths;
}
