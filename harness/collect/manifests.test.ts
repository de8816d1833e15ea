import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { GOOD_FIXTURE } from '../../fixtures/manifests/variants.ts';
import { AuditInputError } from '../errors.ts';
import { defaultPlan, parsePlan } from '../plan.ts';
import { collectManifests } from './manifests.ts';

const plan = defaultPlan();

function tempDir(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vv-manifests-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'velero', namespace: 'velero' }, spec: { template: { spec: { containers: [{ name: 'velero', image: 'velero/velero:v1.18.1' }] } } } };
const schedule = { apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 'velero-daily', namespace: 'velero' }, spec: { schedule: '0 3 * * *', template: { ttl: '336h' } } };
const bsl = { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: 'velero' }, spec: { provider: 'aws', objectStorage: { bucket: 'b' } } };

function expectInputError(run: () => unknown, ...patterns: RegExp[]): void {
  let error: unknown;
  try {
    run();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(AuditInputError);
  for (const pattern of patterns) expect((error as Error).message).toMatch(pattern);
}

describe('collectManifests: reading', () => {
  it('reads the good fixture into a manifests State', () => {
    const state = collectManifests({ paths: [GOOD_FIXTURE.path], plan });
    expect(state.source.target).toBe('manifests');
    expect(state.source.files).toHaveLength(2);
    expect(state.manifests?.mode).toBe('rendered');
    expect(state.objects.deployments.map((d) => d.metadata.name)).toEqual(['velero']);
    expect(state.objects.daemonSets.map((d) => d.metadata.name)).toEqual(['node-agent']);
    expect(state.objects.backupStorageLocations.map((d) => d.metadata.name)).toEqual(['default']);
    expect(state.objects.schedules.map((d) => d.metadata.name)).toEqual(['velero-daily']);
    expect(state.ignoredKinds).toMatchObject({ ServiceAccount: 1, ClusterRoleBinding: 1 });
    expect(state.manifests?.crdProblems).toEqual([]);
  });

  it('recognises the SOPS-encrypted Secret by its sops metadata and keeps key names only', () => {
    const state = collectManifests({ paths: [GOOD_FIXTURE.path], plan });
    expect(state.objects.secrets).toEqual([{ name: 'velero-s3-credentials', namespace: 'velero', type: 'Opaque', labels: undefined, keys: ['cloud'], sopsEncrypted: true, neverStored: true }]);
    expect(JSON.stringify(state)).not.toContain('ENC[AES256_GCM');
  });

  it('reads multi-document YAML, Lists, JSON and nested directories; a named file regardless of extension', () => {
    const dir = tempDir({
      'a/deploy.yaml': `# Source: velero/templates/deployment.yaml\n---\n${stringify(deployment)}---\n${stringify(schedule)}`,
      'b/c/list.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [bsl] }),
      'b/notes.txt': 'not read',
      '.git/x.yaml': 'broken: [',
    });
    const state = collectManifests({ paths: [dir], plan });
    expect(state.objects.deployments).toHaveLength(1);
    expect(state.objects.schedules).toHaveLength(1);
    expect(state.objects.backupStorageLocations).toHaveLength(1);
    expect(state.source.files?.map((f) => f.slice(dir.length + 1))).toEqual(['a/deploy.yaml', 'b/c/list.json']);
    const file = join(tempDir({ 'out.manifest': stringify(deployment) }), 'out.manifest');
    expect(collectManifests({ paths: [file], plan }).objects.deployments).toHaveLength(1);
  });

  it('records CRD problems of rendered Velero objects (a boolean s3ForcePathStyle)', () => {
    const broken = { ...bsl, spec: { ...bsl.spec, config: { s3ForcePathStyle: true } } };
    const state = collectManifests({ paths: [tempDir({ 'bsl.yaml': stringify(broken) })], plan });
    expect(state.manifests?.crdProblems?.[0].object).toBe('BackupStorageLocation velero/default');
    expect(state.manifests?.crdProblems?.[0].problems.join(' ')).toMatch(/s3ForcePathStyle/);
  });
});

describe('collectManifests: bad input is an AuditInputError naming file and line', () => {
  it('invalid YAML', () => {
    const dir = tempDir({ 'ok.yaml': stringify(deployment), 'bad.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: [x\n' });
    expectInputError(() => collectManifests({ paths: [dir], plan }), /bad\.yaml, line \d+, column \d+/, /invalid YAML/);
  });

  it('invalid YAML in a later document reports that document\'s line', () => {
    const dir = tempDir({ 'multi.yaml': `${stringify(deployment)}---\nkind: Service\n  bad: indentation\n` });
    expectInputError(() => collectManifests({ paths: [dir], plan }), /multi\.yaml, line (1[0-9]|[2-9][0-9]), column/);
  });

  it('binary junk', () => {
    const dir = tempDir({ 'junk.yaml': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x00, 0x01, 0xff]) });
    expectInputError(() => collectManifests({ paths: [dir], plan }), /junk\.yaml, line 1: not a text file/);
  });

  it('an empty directory, and a directory without Kubernetes objects', () => {
    const empty = tempDir({});
    expectInputError(() => collectManifests({ paths: [empty], plan }), new RegExp(`no Kubernetes objects found in ${empty} \\(no \\.yaml`));
    const valuesOnly = tempDir({ 'values.yaml': 'image:\n  tag: v1\n' });
    expectInputError(() => collectManifests({ paths: [valuesOnly], plan }), /no Kubernetes objects found in .* \(1 file\(s\) read\)/);
  });

  it('a missing path, and no input at all', () => {
    expectInputError(() => collectManifests({ paths: ['/nonexistent/velero-verify'], plan }), /no such file or directory/);
    expectInputError(() => collectManifests({ paths: [], plan }), /--manifests <file\|dir>/);
  });
});

describe('collectManifests: values', () => {
  it('derives the chart objects from a values file alone', () => {
    const state = collectManifests({ paths: [], valuesFile: GOOD_FIXTURE.valuesFile, plan });
    expect(state.manifests?.mode).toBe('values');
    expect(state.manifests?.values?.derived.sort()).toEqual([
      'BackupStorageLocation velero/default',
      'DaemonSet velero/node-agent',
      'Deployment velero/velero',
      'Job velero/velero-label-namespace',
      'Schedule velero/velero-daily',
    ]);
    expect(state.manifests?.values?.schemaProblems).toEqual([]);
    expect(state.manifests?.values?.merged).toMatchObject({ deployNodeAgent: true, snapshotsEnabled: false, backupsEnabled: true });
    expect(state.source.description).toMatch(/Helm values/);
  });

  it('only validates values when the rendered input already holds the chart objects', () => {
    const state = collectManifests({ paths: [GOOD_FIXTURE.path], valuesFile: GOOD_FIXTURE.valuesFile, plan });
    expect(state.manifests?.mode).toBe('rendered');
    expect(state.manifests?.values?.derived).toEqual([]);
    expect(state.objects.deployments).toHaveLength(1);
  });

  it('adds derived objects to rendered input that lacks them (e.g. only the Secret module rendered)', () => {
    const secretOnly = join(GOOD_FIXTURE.path, 'velero-config.yaml');
    const state = collectManifests({ paths: [secretOnly], valuesFile: GOOD_FIXTURE.valuesFile, plan });
    expect(state.manifests?.mode).toBe('rendered+values');
    expect(state.objects.deployments).toHaveLength(1);
    expect(state.objects.secrets[0].sopsEncrypted).toBe(true);
  });

  it('takes values from a Flux HelmRelease of the velero chart', () => {
    const release = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'velero', namespace: 'velero' },
      spec: { chart: { spec: { chart: 'velero', version: '12.1.0' } }, values: { deployNodeAgent: true, schedules: { daily: { schedule: '0 3 * * *', template: { ttl: '336h' } } } } },
    };
    const state = collectManifests({ paths: [tempDir({ 'release.yaml': stringify(release) })], plan });
    expect(state.manifests?.values?.source).toMatch(/^Flux HelmRelease velero\/velero \(helm.toolkit.fluxcd.io\/v2\) in /);
    expect(state.manifests?.values?.chartVersion).toBe('12.1.0');
    expect(state.ignoredKinds.HelmRelease).toBeUndefined();
    expect(state.objects.daemonSets.map((d) => d.metadata.name)).toEqual(['node-agent']);
    expect(state.objects.schedules.map((s) => s.metadata.name)).toEqual(['velero-daily']);
  });

  it('never keeps secretContents values in the State', () => {
    const file = join(tempDir({ 'v.yaml': 'credentials:\n  useSecret: true\n  secretContents:\n    cloud: "[default]\\naws_access_key_id=FIXTUREKEYID\\naws_secret_access_key=FIXTURESECRETVALUE\\n"\n' }), 'v.yaml');
    const state = collectManifests({ paths: [], valuesFile: file, plan });
    const text = JSON.stringify(state);
    expect(text).not.toContain('FIXTURESECRETVALUE');
    expect(text).not.toContain('FIXTUREKEYID');
    expect(state.objects.secrets[0]).toMatchObject({ name: 'velero', keys: ['cloud'], hasPlaintextValues: true });
    expect(state.objects.secrets[0].credentialFiles?.cloud).toMatchObject({ hasAccessKeyId: true, hasSecretAccessKey: true });
  });

  it('refuses values the pinned chart\'s schema rejects as bad input, naming the key and the line', () => {
    const release =
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: velero\nspec:\n  chart:\n    spec:\n      chart: velero\n      version: 12.1.0\n  values:\n    configuration:\n      backupStorageLocation:\n        provider: aws\n';
    const file = join(tempDir({ 'release.yaml': release }), 'release.yaml');
    expectInputError(
      () => collectManifests({ paths: [], valuesFile: file, plan }),
      /do not validate against values\.schema\.json of chart 12\.1\.0.*configuration\.backupStorageLocation must be array \(.*release\.yaml, line 13\)/,
    );
  });

  it('only notes schema problems against a chart it had to assume (nothing pinned)', () => {
    const file = join(tempDir({ 'v.yaml': 'configuration:\n  backupStorageLocation:\n    provider: aws\n' }), 'v.yaml');
    const state = collectManifests({ paths: [], valuesFile: file, plan });
    expect(state.manifests?.values?.chartPin).toBeUndefined();
    expect(state.manifests?.values?.notes.join('\n')).toMatch(/assumed chart 12\.1\.0 \(configuration\.backupStorageLocation must be array, .*v\.yaml, line 3\)/);
  });
});

describe('collectManifests: repository facts', () => {
  it('reads the secrets files (key names only) and finds references', () => {
    const state = collectManifests({ paths: [GOOD_FIXTURE.path], repoDir: GOOD_FIXTURE.repoDir, plan });
    const repo = state.manifests!.repo!;
    expect(repo.k8sSecretsFile).toMatchObject({ exists: true, sopsEncrypted: true });
    expect(repo.k8sSecretsFile.keys).toEqual(expect.arrayContaining(['minio_velero_access_key_id', 'minio_velero_secret_access_key']));
    expect(repo.hostsSecretsFile.keys).toContain('pi.minio_root_password');
    expect(repo.hostsSecretsReferences).toEqual([{ file: 'hosts/pi/minio.nix', line: 5, veleroRelated: false }]);
    expect(repo.k8sSecretsReferences).toEqual([{ file: 'modules/kubenix/apps/velero-config.enc.nix', line: 5, veleroRelated: true }]);
    expect(JSON.stringify(repo)).not.toContain('ENC[');
  });

  it('rejects a --repo that is not a directory', () => {
    expectInputError(() => collectManifests({ paths: [GOOD_FIXTURE.path], repoDir: '/nonexistent/repo', plan }), /--repo \/nonexistent\/repo: no such directory/);
  });

  it('uses the plan\'s file names', () => {
    const custom = parsePlan({ credentials: { k8sSecretsFile: 'secrets/cluster.enc.yaml' } });
    const state = collectManifests({ paths: [GOOD_FIXTURE.path], repoDir: GOOD_FIXTURE.repoDir, plan: custom });
    expect(state.manifests?.repo?.k8sSecretsFile).toMatchObject({ path: 'secrets/cluster.enc.yaml', exists: false });
  });
});
