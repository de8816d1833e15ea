import { defineConfig } from 'vitest/config';
import { AuditReporter } from './harness/report/reporter.ts';

/**
 * Two projects, kept visibly apart:
 * - `harness`: the harness's own tests (`harness/**\/*.test.ts`), pure and loopback-only;
 * - `specs`: the product — the plan as executable specs (`specs/**\/*.spec.ts`). Run by `npm test`
 *   they form the kind tier (skipped, NOT RUN, where Docker/kind/Helm are missing); run by
 *   `npm run audit` they judge the target the CLI collected.
 */
export default defineConfig({
  test: {
    reporters: ['default', new AuditReporter({ reportDir: process.env.VELERO_VERIFY_REPORT_DIR ?? 'reports' })],
    projects: [
      {
        test: {
          name: 'harness',
          include: ['harness/**/*.test.ts', 'scripts/**/*.test.ts', 'fixtures/**/*.test.ts'],
          environment: 'node',
          // Tests reach loopback only (docs/architecture.md §8): any other connection fails the test.
          setupFiles: ['fixtures/setup/loopback-only.ts', 'fixtures/setup/temp-root.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'specs',
          include: ['specs/**/*.spec.ts'],
          environment: 'node',
          globalSetup: ['specs/setup/global-setup.ts'],
          // The kind tier creates a cluster in globalSetup; the specs themselves only judge.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
