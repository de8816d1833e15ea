import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AuditInputError } from '../errors.ts';
import { parsePlan } from '../plan.ts';
import { collectManifests } from './manifests.ts';
import { judgeItem } from '../judge/index.ts';

const plan = parsePlan({ expect: false });
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function repo(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vv-gitops-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof content === 'string' ? content : stringify(content));
  }
  return dir;
}

const VALUES = {
  deployNodeAgent: true,
  configuration: { backupStorageLocation: [{ name: 'default', provider: 'aws', bucket: 'b', config: { s3Url: 'http://minio.storage:9000' } }] },
  schedules: { daily: { schedule: '0 2 * * *', template: { ttl: '240h' } } },
};

describe('GitOps forms of the velero chart values', () => {
  it('Flux HelmRelease v2beta1/v2beta2/v2 with chart.spec: values and the pinned version', () => {
    for (const apiVersion of ['helm.toolkit.fluxcd.io/v2beta1', 'helm.toolkit.fluxcd.io/v2beta2', 'helm.toolkit.fluxcd.io/v2']) {
      const dir = repo({ 'hr.yaml': { apiVersion, kind: 'HelmRelease', metadata: { name: 'velero', namespace: 'velero' }, spec: { chart: { spec: { chart: 'velero', version: '7.2.1' } }, values: VALUES } } });
      const state = collectManifests({ paths: [dir], plan });
      expect(state.manifests?.values).toMatchObject({ form: 'Flux HelmRelease', chartVersion: '7.2.1', chartPin: '7.2.1', appVersion: '1.14.1' });
      expect(state.objects.schedules.map((s) => s.metadata.name)).toEqual(['velero-daily']);
      expect(state.ignoredKinds).toEqual({});
    }
  });

  it('Flux chartRef: the version comes from the OCIRepository in the input', () => {
    const dir = repo({
      'oci.yaml': { apiVersion: 'source.toolkit.fluxcd.io/v1beta2', kind: 'OCIRepository', metadata: { name: 'velero' }, spec: { url: 'oci://ghcr.io/x/velero', ref: { tag: '10.1.2' } } },
      'hr.yaml': { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'velero' }, spec: { chartRef: { kind: 'OCIRepository', name: 'velero' }, values: VALUES } },
    });
    const state = collectManifests({ paths: [dir], plan });
    expect(state.manifests?.values).toMatchObject({ chartVersion: '10.1.2', chartPin: '10.1.2' });
    expect(state.ignoredKinds).toEqual({});
  });

  it('Flux valuesFrom: merged before spec.values from a ConfigMap in the input; a missing one is said plainly', () => {
    const release = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'velero', namespace: 'velero' },
      spec: {
        chart: { spec: { chart: 'velero', version: '12.1.0' } },
        valuesFrom: [{ kind: 'ConfigMap', name: 'velero-values' }, { kind: 'Secret', name: 'velero-secret-values' }],
        values: { schedules: { daily: { schedule: '0 4 * * *' } } },
      },
    };
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'velero-values', namespace: 'velero' }, data: { 'values.yaml': stringify(VALUES) } };
    const state = collectManifests({ paths: [repo({ 'hr.yaml': release, 'cm.yaml': configMap })], plan });
    expect(state.manifests?.values?.given).toMatchObject({ deployNodeAgent: true, schedules: { daily: { schedule: '0 4 * * *', template: { ttl: '240h' } } } });
    expect(state.manifests?.values?.notes.join('\n')).toMatch(/valuesFrom Secret velero-secret-values \(key values\.yaml\) is not in the input .* not shown/);
    expect(state.ignoredKinds).toEqual({});
  });

  it('Argo CD Application: valueFiles ($ref and path), values string, valuesObject and parameters, in Argo CD order', () => {
    const dir = repo({
      'clusters/velero/values.yaml': { ...VALUES, image: { tag: 'v1.17.1' } },
      'apps/velero.yaml': {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'velero', namespace: 'argocd' },
        spec: {
          destination: { namespace: 'velero' },
          sources: [
            { repoURL: 'https://vmware-tanzu.github.io/helm-charts', chart: 'velero', targetRevision: '11.4.0', helm: { valueFiles: ['$values/clusters/velero/values.yaml'], values: 'configuration:\n  features: EnableCSI\n', valuesObject: { snapshotsEnabled: false }, parameters: [{ name: 'configuration.logLevel', value: 'debug' }] } },
            { repoURL: 'https://github.com/me/repo', ref: 'values' },
          ],
        },
      },
    });
    const state = collectManifests({ paths: [join(dir, 'apps')], repoDir: dir, plan });
    expect(state.manifests?.values).toMatchObject({ form: 'Argo CD Application', chartVersion: '11.4.0' });
    expect(state.manifests?.values?.given).toMatchObject({ deployNodeAgent: true, snapshotsEnabled: false, configuration: { features: 'EnableCSI', logLevel: 'debug' } });
  });

  it('Argo CD ApplicationSet: the template is read, generator parameters are not shown', () => {
    const dir = repo({
      'appset.yaml': {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'ApplicationSet',
        metadata: { name: 'velero' },
        spec: { template: { metadata: { name: '{{cluster}}-velero' }, spec: { source: { repoURL: 'https://vmware-tanzu.github.io/helm-charts', chart: 'velero', targetRevision: '9.2.0', helm: { valuesObject: VALUES } } } } },
      },
    });
    const state = collectManifests({ paths: [dir], plan });
    expect(state.manifests?.values).toMatchObject({ form: 'Argo CD ApplicationSet', chartVersion: '9.2.0', schemaChecked: false });
    expect(state.manifests?.values?.notes.join('\n')).toMatch(/generator parameters .* not evaluated/);
  });

  it('kustomize helmCharts: valuesFile beside the kustomization, valuesInline on top', () => {
    const dir = repo({
      'velero/kustomization.yaml': { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', helmCharts: [{ name: 'velero', repo: 'https://vmware-tanzu.github.io/helm-charts', version: '12.1.0', releaseName: 'velero', valuesFile: 'values.yaml', valuesInline: { snapshotsEnabled: false } }] },
      'velero/values.yaml': VALUES,
    });
    const state = collectManifests({ paths: [join(dir, 'velero')], plan });
    expect(state.manifests?.values).toMatchObject({ form: 'kustomize helmCharts', chartVersion: '12.1.0' });
    expect(state.manifests?.values?.given).toMatchObject({ deployNodeAgent: true, snapshotsEnabled: false });
    expect(state.ignoredKinds).toEqual({});
  });

  it('umbrella-chart values (velero: key), with the dependency version from Chart.yaml beside them', () => {
    const dir = repo({
      'Chart.yaml': { apiVersion: 'v2', name: 'backup', version: '1.0.0', dependencies: [{ name: 'velero', version: '6.7.0', repository: 'https://vmware-tanzu.github.io/helm-charts' }] },
      'values.yaml': { velero: VALUES, other: { enabled: true } },
    });
    const state = collectManifests({ paths: [], valuesFile: join(dir, 'values.yaml'), plan });
    expect(state.manifests?.values).toMatchObject({ form: 'umbrella values', chartVersion: '6.7.0' });
    expect(state.objects.backupStorageLocations.map((b) => b.metadata.name)).toEqual(['default']);
  });

  it('a wrapper given as --values is recognised, multi-document files included', () => {
    const dir = repo({
      'hr.yaml': `---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: velero\nspec:\n  url: https://vmware-tanzu.github.io/helm-charts\n---\n${stringify({ apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'velero' }, spec: { chart: { spec: { chart: 'velero', version: '8.x', sourceRef: { kind: 'HelmRepository', name: 'velero' } } }, values: VALUES } })}`,
    });
    const state = collectManifests({ paths: [], valuesFile: join(dir, 'hr.yaml'), plan });
    expect(state.manifests?.values).toMatchObject({ form: 'Flux HelmRelease', chartVersion: '8.7.2', chartPin: '8.x' });
    expect(state.manifests?.mode).toBe('values');
  });

  it('--values with nothing of the velero chart is a clear input error', () => {
    const dir = repo({ 'ns.yaml': { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } } });
    expect(() => collectManifests({ paths: [], valuesFile: join(dir, 'ns.yaml'), plan })).toThrow(AuditInputError);
    expect(() => collectManifests({ paths: [], valuesFile: join(dir, 'ns.yaml'), plan })).toThrow(/no Velero chart values found/);
  });
});

describe('chart majors: the objects each release renders', () => {
  const render = (version: string, values: Record<string, unknown>) => {
    const release = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'velero' }, spec: { chart: { spec: { chart: 'velero', version } }, values } };
    return collectManifests({ paths: [repo({ 'hr.yaml': release })], plan });
  };
  const serverArgs = (state: ReturnType<typeof render>) => (state.objects.deployments[0].spec?.template?.spec?.containers?.[0]?.args ?? []) as string[];

  it('2.x: a single-map backupStorageLocation with configuration.provider, a restic DaemonSet, no uploader flag', () => {
    const state = render('2.32.6', { configuration: { provider: 'aws', backupStorageLocation: { name: 'default', bucket: 'b' } }, deployRestic: true });
    expect(state.objects.backupStorageLocations[0].spec).toMatchObject({ provider: 'aws', objectStorage: { bucket: 'b' } });
    expect(state.objects.daemonSets.map((d) => d.metadata.name)).toEqual(['restic']);
    expect(serverArgs(state).some((arg) => arg.startsWith('--uploader-type'))).toBe(false);
    expect(state.objects.deployments[0].spec?.template?.spec?.containers?.[0]?.image).toBe('velero/velero:v1.9.4');
  });

  it('3.x–5.4.0 default the uploader to restic, 5.4.1 and later to kopia', () => {
    expect(serverArgs(render('3.2.0', { deployNodeAgent: true }))).toContain('--uploader-type=restic');
    expect(serverArgs(render('5.2.0', { deployNodeAgent: true }))).toContain('--uploader-type=restic');
    expect(serverArgs(render('5.4.1', { deployNodeAgent: true }))).toContain('--uploader-type=kopia');
    for (const version of ['6.7.0', '7.2.2', '8.7.2', '9.2.0', '10.1.3', '11.4.0', '12.1.0']) {
      const state = render(version, { deployNodeAgent: true });
      expect(serverArgs(state)).toContain('--uploader-type=kopia');
      expect(state.objects.daemonSets.map((d) => d.metadata.name)).toEqual(['node-agent']);
    }
  });

  it('only charts 10.x and later have a schema: a pinned chart that rejects the values is bad input, older ones are not', () => {
    const bad = { configuration: { backupStorageLocation: { name: 'default', provider: 'aws', bucket: 'b' } } };
    expect(() => render('10.1.3', bad)).toThrow(/values\.schema\.json of chart 10\.1\.3/);
    expect(() => render('4.4.1', bad)).not.toThrow();
  });

  it('keys the pinned release does not have are named with their line; keys it has are not', () => {
    const state = render('11.4.0', { configuration: { backupRetentionPeriod: '30d', defaultBackupTTL: '72h' }, features: 'EnableCSI', deployNodeAgent: true });
    expect(state.manifests?.values?.unknownKeys?.map((key) => key.path)).toEqual(['features', 'configuration.backupRetentionPeriod']);
    expect(state.manifests?.values?.unknownKeys?.[1].where).toMatch(/hr\.yaml, line \d+/);
  });
});

describe('what the gate concludes on values it cannot fully resolve', () => {
  const judge = (state: ReturnType<typeof collectManifests>, id: 'guard.lan-only' | 'beyond.image-pinning' | 'beyond.retention' | 'must.s3-target') =>
    judgeItem(id, { state, plan, target: 'manifests', now: new Date('2026-01-01T00:00:00Z') });

  it('Flux postBuild ${vars} are not shown, never a verdict', () => {
    const release = {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'velero' },
      spec: {
        chart: { spec: { chart: 'velero', version: '12.1.0' } },
        values: {
          image: { tag: '${VELERO_VERSION}' },
          configuration: { backupStorageLocation: [{ name: 'default', provider: 'aws', bucket: '${BUCKET}', config: { s3Url: '${S3_URL}' } }] },
        },
      },
    };
    const state = collectManifests({ paths: [repo({ 'hr.yaml': release })], plan });
    const lan = judge(state, 'guard.lan-only');
    expect(lan.status).toBe('pass');
    expect(lan.evidence.join('\n')).toMatch(/\$\{S3_URL\} → placeholder \(\$\{S3_URL\} is filled in at deploy time \(not shown\)\)/);
    const images = judge(state, 'beyond.image-pinning');
    expect(images.warnings?.join('\n')).toMatch(/velero\/velero:\$\{VELERO_VERSION\} is filled in at deploy time, so its pin is not shown/);
    expect(images.summary).not.toMatch(/VELERO_VERSION/);
  });

  it('a schedule whose frequency × TTL keeps an absurd number of backups fails beyond.retention', () => {
    const values = { schedules: { often: { schedule: '*/5 * * * *', template: { ttl: '720h' } }, daily: { schedule: '0 1 * * *', template: { ttl: '720h' } } } };
    const state = collectManifests({ paths: [], valuesFile: join(repo({ 'values.yaml': values }), 'values.yaml'), plan });
    const finding = judge(state, 'beyond.retention');
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(/absurd number of backups: velero-often ~8640/);
    expect(finding.evidence.join('\n')).toMatch(/Schedule velero-daily: "0 1 \* \* \*" every ~1d \(24h\) × ttl 720h keeps ~30 backups at once/);
  });

  it('a location that is neither marked default nor named like the server flag fails; the one the flag names passes', () => {
    const values = (extra: Record<string, unknown>) => ({
      configuration: { backupStorageLocation: [{ name: 'minio', provider: 'aws', bucket: 'b', config: { s3Url: 'http://10.0.0.5:9000' } }], ...extra },
      snapshotsEnabled: false,
    });
    const unmarked = collectManifests({ paths: [], valuesFile: join(repo({ 'values.yaml': values({}) }), 'values.yaml'), plan });
    // Backups without a location go to "default" (the server flag's default), which does not exist.
    const none = judge(unmarked, 'must.s3-target');
    expect(none.status).toBe('fail');
    expect(none.summary).toMatch(/^No BackupStorageLocation "default" \(and none marked default\) in namespace velero/);
    expect(none.evidence.join('\n')).toMatch(/BackupStorageLocations present: minio/);
    const named = collectManifests({ paths: [], valuesFile: join(repo({ 'values.yaml': values({ defaultBackupStorageLocation: 'minio' }) }), 'values.yaml'), plan });
    expect(judge(named, 'must.s3-target').status).toBe('pass');
    expect(judge(named, 'must.s3-target').evidence.join('\n')).toMatch(/Storage location minio: provider aws, bucket b, endpoint http:\/\/10\.0\.0\.5:9000/);
  });
});
