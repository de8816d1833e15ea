import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { defaultPlan, parsePlan } from '../plan.ts';
import { REPO_ROOT } from '../schema/reference.ts';
import { crdProblems } from '../schema/crds.ts';
import { chartReference } from '../collect/chart-reference.ts';
import { renderFromValues } from '../collect/chart-render.ts';
import { mergeValues, valuesSchemaProblems } from '../collect/chart-values.ts';
import { AuditInputError } from '../errors.ts';
import { checkHelmValues, helmValuesProblems, renderHelmValues, scheduleKeyFor, splitImageReference, type HelmValues } from './values.ts';

// A plan whose every value differs from the homelab defaults and the chart defaults, so a test
// can only pass when the value was carried from the plan. Addresses are data, never contacted.
const custom = parsePlan({
  namespace: 'backup-system',
  velero: { pluginImage: 'registry.example:5000/mirror/velero-plugin-for-aws:v1.14.1', image: 'registry.example:5000/mirror/velero:v1.18.1' },
  storage: { bucket: 'team-velero-bucket', prefix: 'cluster-a', s3Url: 'https://s3.internal.example:9443', region: 'eu-lab-1', s3ForcePathStyle: true },
  credentials: { secretName: 'team-s3-credentials' },
  schedule: { name: 'velero-nightly', cron: '30 1 * * *', ttl: '240h' },
});

/** Our values over the chart's defaults, as Helm coalesces them. */
function merged(values: HelmValues): Record<string, unknown> {
  return mergeValues(chartReference().defaults, values);
}

function location(values: HelmValues): Record<string, any> {
  return (values.configuration as any).backupStorageLocation[0];
}

function rendered(values: HelmValues, namespace = 'velero') {
  return renderFromValues(merged(values), { release: 'velero', namespace }).objects;
}

describe('renderHelmValues: the plan as chart values', () => {
  it('deep-merged over the chart defaults, validates against chart/values.schema.json and our own checks', () => {
    for (const plan of [defaultPlan(), custom]) {
      const values = renderHelmValues(plan);
      expect(valuesSchemaProblems(merged(values))).toEqual([]);
      expect(helmValuesProblems(values)).toEqual([]);
      expect(checkHelmValues(values)).toEqual({ problems: [], schemaChecked: true });
    }
  });

  it('for the homelab plan equals the chart example values (fixtures/deploy/values-homelab.yaml) once both are merged over the defaults', () => {
    const example = parseYaml(readFileSync(join(REPO_ROOT, 'fixtures', 'deploy', 'values-homelab.yaml'), 'utf8'));
    expect(valuesSchemaProblems(merged(example))).toEqual([]);
    expect(merged(renderHelmValues(defaultPlan()))).toEqual(merged(example));
  });

  it('carries the bucket, and the prefix only when the plan sets one', () => {
    expect(location(renderHelmValues(custom)).bucket).toBe('team-velero-bucket');
    expect(location(renderHelmValues(custom)).prefix).toBe('cluster-a');
    expect(location(renderHelmValues(defaultPlan()))).not.toHaveProperty('prefix');
  });

  it('carries the s3Url, and an override replaces it (MinIO address on the kind network)', () => {
    expect(location(renderHelmValues(custom)).config.s3Url).toBe('https://s3.internal.example:9443');
    expect(location(renderHelmValues(custom, { s3Url: 'http://172.18.0.5:9000' })).config.s3Url).toBe('http://172.18.0.5:9000');
  });

  it('carries the region', () => {
    expect(location(renderHelmValues(custom)).config.region).toBe('eu-lab-1');
  });

  it('carries path style as the STRING "true" (and "false" when off)', () => {
    expect(location(renderHelmValues(custom)).config.s3ForcePathStyle).toBe('true');
    const virtualHosted = parsePlan({ storage: { s3ForcePathStyle: false } });
    expect(location(renderHelmValues(virtualHosted)).config.s3ForcePathStyle).toBe('false');
  });

  it('names the location, makes it the default, and marks it read-write', () => {
    const bsl = location(renderHelmValues(custom));
    expect(bsl).toMatchObject({ name: 'default', provider: 'aws', default: true, accessMode: 'ReadWrite' });
  });

  it('uses the pre-created credentials Secret and creates none', () => {
    const values = renderHelmValues(custom);
    expect(values.credentials).toEqual({ useSecret: true, existingSecret: 'team-s3-credentials' });
    expect(rendered(values).filter((object) => object.kind === 'Secret')).toEqual([]);
    expect(location(values)).not.toHaveProperty('credential');
  });

  it('names the Secret key on the location when the plan key is not the chart\'s "cloud"', () => {
    const plan = parsePlan({ credentials: { key: 'aws-credentials' } });
    expect(location(renderHelmValues(plan)).credential).toEqual({ name: 'velero-s3-credentials', key: 'aws-credentials' });
  });

  it('carries the cron and renders a Schedule named exactly plan.schedule.name', () => {
    const values = renderHelmValues(custom);
    expect(Object.keys(values.schedules as object)).toEqual(['nightly']);
    expect((values.schedules as any).nightly.schedule).toBe('30 1 * * *');
    const schedules = rendered(values, 'backup-system').filter((object) => object.kind === 'Schedule');
    expect(schedules.map((object) => object.metadata.name)).toEqual(['velero-nightly']);
    expect(schedules[0].spec).toMatchObject({ schedule: '30 1 * * *' });
    expect(crdProblems(schedules[0])).toEqual([]);
  });

  it('carries the TTL, storage location, all namespaces, FSB by default and no snapshots in the schedule template', () => {
    const template = (renderHelmValues(custom).schedules as any).nightly.template;
    expect(template).toEqual({
      ttl: '240h',
      storageLocation: 'default',
      includedNamespaces: ['*'],
      defaultVolumesToFsBackup: true,
      snapshotVolumes: false,
    });
  });

  it('deploys the node agent explicitly (chart default is false) with the pod volume path', () => {
    const values = renderHelmValues(custom);
    expect(values.deployNodeAgent).toBe(true);
    expect(values.nodeAgent).toEqual({ podVolumePath: '/var/lib/kubelet/pods' });
    expect(chartReference().defaults.deployNodeAgent).toBe(false);
    const daemonSet = rendered(values).find((object) => object.kind === 'DaemonSet');
    expect(daemonSet?.metadata.name).toBe('node-agent');
    expect(renderHelmValues(custom, { podVolumePath: '/opt/rke/var/lib/kubelet/pods' }).nodeAgent).toEqual({ podVolumePath: '/opt/rke/var/lib/kubelet/pods' });
  });

  it('switches snapshots off explicitly (chart default is true) and renders no VolumeSnapshotLocation', () => {
    const values = renderHelmValues(custom);
    expect(values.snapshotsEnabled).toBe(false);
    expect((values.configuration as any).volumeSnapshotLocation).toEqual([]);
    expect(chartReference().defaults.snapshotsEnabled).toBe(true);
    expect(rendered(values).some((object) => object.kind === 'VolumeSnapshotLocation')).toBe(false);
  });

  it('sets the kopia uploader and file-system backup by default on the server', () => {
    const values = renderHelmValues(custom);
    expect(values.configuration).toMatchObject({ uploaderType: 'kopia', defaultVolumesToFsBackup: true });
    const deployment = rendered(values).find((object) => object.kind === 'Deployment') as any;
    const args: string[] = deployment.spec.template.spec.containers[0].args;
    expect(args).toContain('--uploader-type=kopia');
    expect(args).toContain('--default-volumes-to-fs-backup');
  });

  it('carries the plugin image as the init container that copies the plugin into /target', () => {
    expect(renderHelmValues(custom).initContainers).toEqual([
      {
        name: 'velero-plugin-for-aws',
        image: 'registry.example:5000/mirror/velero-plugin-for-aws:v1.14.1',
        imagePullPolicy: 'IfNotPresent',
        volumeMounts: [{ mountPath: '/target', name: 'plugins' }],
      },
    ]);
  });

  it('pins the Velero image (repository and tag split; registry port and digest respected)', () => {
    expect(renderHelmValues(defaultPlan()).image).toEqual({ repository: 'docker.io/velero/velero', tag: 'v1.18.1', pullPolicy: 'IfNotPresent' });
    expect(renderHelmValues(custom).image).toMatchObject({ repository: 'registry.example:5000/mirror/velero', tag: 'v1.18.1' });
    expect(splitImageReference('registry.example:5000/velero/velero@sha256:abc', 'v1.18.1')).toEqual({
      repository: 'registry.example:5000/velero/velero',
      tag: 'v1.18.1',
      digest: 'sha256:abc',
    });
    expect(splitImageReference('velero/velero:v1.18.0@sha256:def', 'v1.18.1')).toEqual({ repository: 'velero/velero', tag: 'v1.18.0', digest: 'sha256:def' });
  });

  it('renders a BackupStorageLocation that the real CRD accepts, with the plan\'s fields', () => {
    const bsl = rendered(renderHelmValues(custom), 'backup-system').find((object) => object.kind === 'BackupStorageLocation') as any;
    expect(crdProblems(bsl)).toEqual([]);
    expect(bsl.spec).toMatchObject({
      provider: 'aws',
      default: true,
      objectStorage: { bucket: 'team-velero-bucket', prefix: 'cluster-a' },
      config: { region: 'eu-lab-1', s3ForcePathStyle: 'true', s3Url: 'https://s3.internal.example:9443' },
    });
  });
});

describe('schedule key: the chart names Schedules <fullname>-<key>', () => {
  it('derives the key from the plan name and the release', () => {
    expect(scheduleKeyFor('velero-daily')).toBe('daily');
    expect(scheduleKeyFor('velero-daily', 'velero')).toBe('daily');
    // fullname of release "backup" is "backup-velero" (it does not contain "velero").
    expect(scheduleKeyFor('backup-velero-daily', 'backup')).toBe('daily');
    expect(scheduleKeyFor('my-velero-daily', 'my-velero')).toBe('daily');
  });

  it('refuses a plan name the chart cannot produce, naming the field and the prefix', () => {
    expect(() => scheduleKeyFor('nightly-backup')).toThrow(AuditInputError);
    expect(() => scheduleKeyFor('nightly-backup')).toThrow(/"schedule.name" is "nightly-backup".*"velero-"/);
    expect(() => scheduleKeyFor('velero-')).toThrow(AuditInputError);
    expect(() => renderHelmValues(parsePlan({ schedule: { name: 'daily' } }))).toThrow(/starts with "velero-"/);
  });
});

describe('broken values are caught', () => {
  it('a location without a bucket fails the chart schema and our check', () => {
    const values = renderHelmValues(defaultPlan());
    delete location(values).bucket;
    const schema = valuesSchemaProblems(merged(values));
    expect(schema.some((problem) => problem.path === '/configuration/backupStorageLocation/0' && /bucket/.test(problem.message))).toBe(true);
    expect(helmValuesProblems(values)).toEqual([expect.stringMatching(/backupStorageLocation\[0\]\.bucket: expected the bucket name/)]);
    expect(checkHelmValues(values).problems.some((problem) => /chart values.schema.json/.test(problem))).toBe(true);
  });

  it('an empty bucket passes the chart schema (a string) but not our check', () => {
    const values = renderHelmValues(defaultPlan());
    location(values).bucket = '';
    expect(valuesSchemaProblems(merged(values))).toEqual([]);
    expect(helmValuesProblems(values)).toEqual([expect.stringMatching(/bucket: expected the bucket name, found ""/)]);
  });

  it('a boolean path style, a missing region, a bad URL and a bad TTL are each named', () => {
    const values = renderHelmValues(defaultPlan());
    location(values).config = { s3ForcePathStyle: true, s3Url: 'minio:9000' };
    (values.schedules as any).daily.template.ttl = 'two weeks';
    const problems = helmValuesProblems(values);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/config\.s3ForcePathStyle: BSL config values are strings/),
        expect.stringMatching(/config\.region: required with s3ForcePathStyle/),
        expect.stringMatching(/config\.s3Url: expected an http\(s\) URL/),
        expect.stringMatching(/schedules\.daily\.template\.ttl: expected a Go duration/),
      ]),
    );
  });

  it('no default location, a missing plugin, no existing Secret and a template pointing at an unknown location are named', () => {
    const values = renderHelmValues(defaultPlan());
    location(values).default = false;
    values.initContainers = [];
    values.credentials = { useSecret: true };
    (values.schedules as any).daily.template.storageLocation = 'elsewhere';
    const problems = helmValuesProblems(values);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/exactly one location with default: true, found 0/),
        expect.stringMatching(/^initContainers:/),
        expect.stringMatching(/^credentials:/),
        expect.stringMatching(/storageLocation: "elsewhere" is not one of the configured locations \(default\)/),
      ]),
    );
  });

  it('a non-list backupStorageLocation is rejected by the chart schema', () => {
    const values = renderHelmValues(defaultPlan());
    (values.configuration as any).backupStorageLocation = location(values);
    expect(valuesSchemaProblems(merged(values)).some((problem) => problem.path === '/configuration/backupStorageLocation')).toBe(true);
  });
});
