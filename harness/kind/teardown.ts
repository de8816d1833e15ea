/**
 * The kind tier's teardown: steps registered as setup creates things and run in reverse (LIFO),
 * kept when VELERO_VERIFY_KEEP says so, and handed to detached processes on Ctrl-C/SIGTERM
 * (vitest exits right after the signal). Also names clusters earlier runs left behind.
 */
import { describeError } from '../errors.ts';
import { KIND_QUERY_DEADLINE_MS, type KeepMode } from './settings.ts';

export interface TeardownStep {
  name: string;
  run: () => Promise<void>;
  /** What to run by hand when the step is kept or failed. */
  manual: string;
  /** A command that does the step from a detached process, for Ctrl-C (the process is about to exit). */
  detached?: string[];
  /** Already handed to a detached process. */
  handedOff?: boolean;
}

export class Teardown {
  private readonly steps: TeardownStep[] = [];

  constructor(
    private readonly keep: KeepMode,
    /** `VELERO_VERIFY_KEEP=<value>`, for the log. */
    private readonly keepSetting: string,
    private readonly log: (line: string) => void,
    private readonly spawnDetached: (argv: string[]) => void,
  ) {}

  push(step: TeardownStep): void {
    this.steps.push(step);
  }

  async run(reason: 'done' | 'failed'): Promise<void> {
    const keepNow = this.keep === 'always' || (this.keep === 'on-failure' && reason === 'failed');
    const steps = this.steps.splice(0).reverse();
    if (keepNow) {
      if (steps.length) this.log(`${this.keepSetting}: keeping everything. To remove it later: ${steps.map((step) => step.manual).join('; ')}`);
      return;
    }
    const problems: string[] = [];
    for (const step of steps) {
      if (step.handedOff) continue;
      try {
        await step.run();
      } catch (error) {
        problems.push(`${step.name} failed (${describeError(error)}); by hand: ${step.manual}`);
      }
    }
    if (problems.length) this.log(`teardown left something behind: ${problems.join('; ')}`);
  }

  /** On a signal: hand every step that has a detached command to a process that outlives this one. */
  handOff(signal: NodeJS.Signals): void {
    if (this.keep === 'always') {
      this.log(`${signal} received: ${this.keepSetting}, leaving everything in place`);
      return;
    }
    const handed = this.steps.filter((step) => step.detached && !step.handedOff).reverse();
    for (const step of handed) {
      step.handedOff = true;
      this.spawnDetached(step.detached!);
    }
    this.log(`${signal} received: stopping${handed.length ? `; cleaning up in the background: ${handed.map((step) => step.manual).join('; ')}` : ''}`);
  }
}

/**
 * Clusters of earlier runs that were interrupted before their teardown (e.g. killed hard) are
 * named, with the command to remove them. They are not deleted here: another run may own one.
 */
export async function noticeLeftovers(run: (argv: string[], timeoutMs: number, what: string) => Promise<{ stdout: string }>, log: (line: string) => void): Promise<void> {
  const clusters = (await run(['kind', 'get', 'clusters'], KIND_QUERY_DEADLINE_MS, 'kind get clusters')).stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name.startsWith('velero-verify-'));
  if (clusters.length) {
    log(`note: kind clusters of earlier velero-verify runs exist (${clusters.join(', ')}); if no run is using them: ${clusters.map((name) => `kind delete cluster --name ${name}`).join('; ')}`);
  }
}
