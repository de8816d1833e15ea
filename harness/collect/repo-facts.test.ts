import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPlan } from '../plan.ts';
import { collectRepoFacts, isVeleroModule, secretsFileFacts } from './repo-facts.ts';

const plan = defaultPlan();

function repo(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vv-repo-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const SOPS = 'sops:\n  mac: ENC[AES256_GCM,data:x,type:str]\n  version: 3.9.4\n';

describe('secretsFileFacts', () => {
  it('keeps key names (dotted for nested maps), never values, and recognises SOPS', () => {
    const dir = repo({ 's.yaml': `a: ENC[x]\nnested:\n  b: ENC[y]\n${SOPS}` });
    expect(secretsFileFacts(dir, 's.yaml')).toEqual({ path: 's.yaml', exists: true, sopsEncrypted: true, keys: ['a', 'nested.b'] });
  });

  it('flags a plaintext secrets file and a missing one', () => {
    const dir = repo({ 'plain.yaml': 'minio_velero_access_key_id: AKIAFIXTURE\n' });
    expect(secretsFileFacts(dir, 'plain.yaml')).toMatchObject({ exists: true, sopsEncrypted: false, keys: ['minio_velero_access_key_id'] });
    expect(JSON.stringify(secretsFileFacts(dir, 'plain.yaml'))).not.toContain('AKIAFIXTURE');
    expect(secretsFileFacts(dir, 'missing.yaml')).toEqual({ path: 'missing.yaml', exists: false, sopsEncrypted: false, keys: [] });
  });

  it('reads SOPS dotenv files', () => {
    const dir = repo({ 's.env': 'KEY_ONE=ENC[x]\nsops_mac=ENC[y]\nsops_version=3.9.4\n' });
    expect(secretsFileFacts(dir, 's.env')).toMatchObject({ sopsEncrypted: true, keys: ['KEY_ONE'] });
  });

  it('reports unparsable YAML as a problem, not a crash', () => {
    const dir = repo({ 'bad.yaml': 'a: [\n' });
    expect(secretsFileFacts(dir, 'bad.yaml').problem).toMatch(/not valid YAML/);
  });
});

describe('isVeleroModule', () => {
  it.each([
    ['modules/kubenix/apps/velero.nix', '', true],
    ['modules/kubenix/apps/backup.nix', 'kubernetes.helm.releases.velero = {', true],
    ['modules/kubenix/apps/grafana.nix', 'grafana', false],
    ['hosts/pi/minio.nix', 'minio_velero_access_key_id', false],
    ['flake.nix', 'velero', false],
  ])('%s → %s', (path, text, expected) => {
    expect(isVeleroModule(path, text)).toBe(expected);
  });
});

describe('collectRepoFacts', () => {
  it('finds references on code lines only and tells Velero modules from the rest', () => {
    const dir = repo({
      'secrets/k8s-secrets.enc.yaml': `minio_velero_access_key_id: ENC[x]\nminio_velero_secret_access_key: ENC[y]\n${SOPS}`,
      'secrets/hosts-secrets.enc.yaml': `pi: ENC[x]\n${SOPS}`,
      'modules/kubenix/apps/velero.nix': '# never hosts-secrets.enc.yaml\n  s = secretsFor ../../secrets/hosts-secrets.enc.yaml;\n',
      'hosts/pi/minio.nix': 'sops.defaultSopsFile = ./secrets/hosts-secrets.enc.yaml;\n',
      'docs/notes.md': 'see my-hosts-secrets.enc.yaml.bak\n',
    });
    const facts = collectRepoFacts(dir, plan);
    expect(facts.hostsSecretsReferences).toEqual([
      { file: 'hosts/pi/minio.nix', line: 1, veleroRelated: false },
      { file: 'modules/kubenix/apps/velero.nix', line: 2, veleroRelated: true },
    ]);
    expect(facts.k8sSecretsFile.keys).toEqual(['minio_velero_access_key_id', 'minio_velero_secret_access_key']);
    expect(facts.scannedFiles).toBe(3); // the two secrets files are read for key names only
  });

  it('skips .git, node_modules, symlinks and binary files', () => {
    const dir = repo({
      '.git/config': 'hosts-secrets.enc.yaml\n',
      'node_modules/x/velero.js': 'hosts-secrets.enc.yaml\n',
      'apps/velero/blob.bin': Buffer.concat([Buffer.from('hosts-secrets.enc.yaml\n'), Buffer.from([0, 1, 2])]),
    });
    symlinkSync('/etc', join(dir, 'result'));
    const facts = collectRepoFacts(dir, plan);
    expect(facts.hostsSecretsReferences).toEqual([]);
    expect(facts.scannedFiles).toBe(0);
  });

  it('stops at its file budget and says so', () => {
    const dir = repo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    const facts = collectRepoFacts(dir, plan, { maxFiles: 2, maxFileBytes: 1024, maxTotalBytes: 1024 });
    expect(facts.scannedFiles).toBe(2);
    expect(facts.truncated).toBe(true);
  });
});
