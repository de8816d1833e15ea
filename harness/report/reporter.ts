/**
 * The audit reporter: a vitest reporter that maps the specs project's test results to catalog
 * items, decides the verdict (model.ts) and writes audit.md / audit.json / audit.xml.
 *
 * Honest roll-up (docs/architecture.md §6): vitest reports every test of a suite whose beforeAll threw as
 * *skipped*; we walk up the parents and count such tests as failed. Unhandled errors, an
 * interrupted run and zero results can never add up to APPROVE.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter, SerializedError, TestCase, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import { isItemId, type ItemId } from '../catalog.ts';
import type { RunContext } from '../run-context.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import { buildReport, type AuditReport, type ItemResult } from './model.ts';
import { renderTerminalSummary } from './terminal.ts';
import { writeReport } from './write.ts';

export const SPECS_PROJECT = 'specs';

export interface AuditReporterOptions {
  reportDir: string;
  /**
   * The CLI passes the run context it built (a function when the reporter exists before the run
   * is judged: spec-run-thread.mjs); under `npm test` it comes from the globalSetup.
   */
  run?: RunContext | (() => RunContext | undefined);
  /** Where the terminal summary goes; the CLI sends it to stderr with --json. */
  print?: (text: string) => void;
  /** CLI mode: always write a report, even when no spec ran (that is a REJECT). */
  always?: boolean;
  /** Called with each report once it is written (the CLI's spec-run thread sends it to the CLI). */
  onReport?: (report: AuditReport) => void;
}

export function toolVersion(): string {
  try {
    return JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

function errorText(error: SerializedError | { message?: string }): string {
  return (error.message ?? String(error)).split('\n')[0];
}

function itemIdOf(test: TestCase): ItemId | undefined {
  const fromMeta = test.meta().itemId;
  if (fromMeta && isItemId(fromMeta)) return fromMeta;
  const fromName = /\[([a-z]+\.[a-z0-9-]+)\]$/.exec(test.name)?.[1];
  return fromName && isItemId(fromName) ? fromName : undefined;
}

/** Errors of the suites and module around a test: a failed beforeAll shows up there. */
function parentErrors(test: TestCase): string[] {
  const errors: string[] = [];
  let parent: TestCase['parent'] | undefined = test.parent;
  while (parent) {
    errors.push(...parent.errors().map(errorText));
    parent = parent.type === 'module' ? undefined : parent.parent;
  }
  return errors;
}

function itemResultsOf(modules: ReadonlyArray<TestModule>): { results: ItemResult[]; problems: string[] } {
  const results: ItemResult[] = [];
  const problems: string[] = [];
  for (const module of modules) {
    const moduleErrors = module.errors().map(errorText);
    if (moduleErrors.length) problems.push(`Spec file ${module.moduleId.replace(`${REPO_ROOT}/`, '')} failed: ${moduleErrors[0]}`);
    for (const test of module.children.allTests()) {
      const id = itemIdOf(test);
      if (!id) {
        problems.push(`Test "${test.fullName}" names no catalog item.`);
        continue;
      }
      const result = test.result();
      const errors = [...(result.errors ?? []).map(errorText), ...parentErrors(test)];
      results.push({
        id,
        state: result.state,
        finding: test.meta().finding,
        errors,
        skipNote: result.state === 'skipped' ? result.note : undefined,
      });
    }
  }
  return { results, problems };
}

export class AuditReporter implements Reporter {
  private vitest?: Vitest;
  /** The last report built; the CLI reads the verdict from it. */
  report?: AuditReport;

  constructor(private readonly options: AuditReporterOptions) {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  private runContext(): RunContext | undefined {
    const given = typeof this.options.run === 'function' ? this.options.run() : this.options.run;
    if (given) return given;
    try {
      return this.vitest?.getProjectByName(SPECS_PROJECT)?.getProvidedContext().run;
    } catch {
      return undefined;
    }
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const specModules = modules.filter((module) => module.project.name === SPECS_PROJECT);
    const run = this.runContext();
    // A self-test run that did not include the specs writes no audit report.
    if (!this.options.always && specModules.length === 0) return;
    const print = this.options.print ?? ((text: string) => process.stdout.write(`${text}\n`));
    if (!run) {
      print('velero-verify: the specs ran without a run context (their globalSetup failed); no audit report was written. The run does not approve.');
      process.exitCode = 1;
      return;
    }
    const { results, problems } = itemResultsOf(specModules);
    if (unhandledErrors.length) problems.push(...unhandledErrors.map((error) => `Unhandled error: ${errorText(error)}`));
    if (reason === 'interrupted') problems.push('The run was interrupted before every check finished.');
    this.report = buildReport({ run, results, problems, finishedAt: new Date(), toolVersion: toolVersion() });
    const files = writeReport(this.report, this.options.reportDir);
    this.options.onReport?.(this.report);
    print(`\n${renderTerminalSummary(this.report, `${files.markdown}, ${files.json}, ${files.junit}`)}`);
  }
}

/** vitest loads a reporter named by path (the CLI's spec-run thread) from its default export. */
export default AuditReporter;
