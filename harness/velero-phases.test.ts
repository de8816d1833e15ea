import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { referenceDir } from './schema/reference.ts';
import { isTerminalBackupPhase, isTerminalRestorePhase } from './velero-phases.ts';

/** The `status.phase` enum of a Velero CRD (reference/velero/crds, copied from Velero). */
function phaseEnum(file: string): string[] {
  const crd = parseYaml(readFileSync(join(referenceDir(), 'crds', 'v1', file), 'utf8'));
  return crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.phase.enum;
}

describe('terminal phases, checked against the CRDs', () => {
  it.each([
    ['Backup', 'velero.io_backups.yaml', isTerminalBackupPhase],
    ['Restore', 'velero.io_restores.yaml', isTerminalRestorePhase],
  ])('%s: Completed, PartiallyFailed, Failed and FailedValidation end it; the other phases of its CRD do not', (_kind, file, isTerminal) => {
    const phases = phaseEnum(file);
    const terminal = phases.filter((phase) => isTerminal(phase));
    expect(terminal.sort()).toEqual(['Completed', 'Failed', 'FailedValidation', 'PartiallyFailed']);
    expect(phases.filter((phase) => !isTerminal(phase))).toContain('InProgress');
    expect(phases.filter((phase) => !isTerminal(phase))).toContain('WaitingForPluginOperations');
    // No phase yet: the controller has not processed the object.
    expect(isTerminal(undefined)).toBe(false);
    expect(isTerminal('')).toBe(false);
  });

  it('a Backup being deleted has not finished', () => {
    expect(isTerminalBackupPhase('Deleting')).toBe(false);
  });
});
