/**
 * Validate objects of Velero kinds against the real CRD schemas (Velero v1.18.1, byte-exact
 * copies in reference/velero/crds). Used by fixture tests and by the fake Kubernetes API server,
 * so no fixture or double can hold an object a real Velero would reject.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { referenceDir } from './reference.ts';

export interface CrdVersionSchema {
  group: string;
  kind: string;
  plural: string;
  version: string;
  namespaced: boolean;
  validate: ValidateFunction;
}

let cache: Map<string, CrdVersionSchema> | undefined;

function loadAll(): Map<string, CrdVersionSchema> {
  // Kubernetes structural schemas use OpenAPI keywords (nullable, x-kubernetes-*) and formats
  // ajv does not know; keep ajv non-strict and accept the integer formats as annotations.
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under NodeNext its default export is the module object.
  const addFormats = ajvFormats.default as unknown as (instance: Ajv) => Ajv;
  addFormats(ajv);
  for (const format of ['int32', 'int64', 'byte', 'double', 'float']) ajv.addFormat(format, true);
  const schemas = new Map<string, CrdVersionSchema>();
  const root = join(referenceDir(), 'crds');
  for (const versionDir of readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const file of readdirSync(join(root, versionDir.name)).filter((name) => name.endsWith('.yaml'))) {
      const crd = parseYaml(readFileSync(join(root, versionDir.name, file), 'utf8'));
      for (const version of crd.spec.versions) {
        const entry: CrdVersionSchema = {
          group: crd.spec.group,
          kind: crd.spec.names.kind,
          plural: crd.spec.names.plural,
          version: version.name,
          namespaced: crd.spec.scope === 'Namespaced',
          validate: ajv.compile(version.schema.openAPIV3Schema),
        };
        schemas.set(`${crd.spec.group}/${version.name}/${entry.kind}`, entry);
      }
    }
  }
  return schemas;
}

export function crdSchemas(): Map<string, CrdVersionSchema> {
  cache ??= loadAll();
  return cache;
}

/** Whether `apiVersion`/`kind` names a kind defined by the Velero CRDs. */
export function isVeleroKind(object: { apiVersion?: unknown; kind?: unknown }): boolean {
  return crdSchemas().has(`${String(object.apiVersion)}/${String(object.kind)}`);
}

/**
 * Problems of one object against its CRD schema: an empty list means valid. Objects whose
 * apiVersion is `velero.io/...` but not served by a CRD are reported too.
 */
export function crdProblems(object: { apiVersion?: unknown; kind?: unknown; metadata?: unknown }): string[] {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const schema = crdSchemas().get(key);
  if (!schema) return [`no Velero CRD serves ${key}`];
  const problems: string[] = [];
  const meta = object.metadata as { name?: unknown; generateName?: unknown; namespace?: unknown } | undefined;
  if (!meta || (typeof meta.name !== 'string' && typeof meta.generateName !== 'string')) problems.push('metadata.name is missing');
  if (schema.namespaced && meta && typeof meta.namespace !== 'string') problems.push('metadata.namespace is missing (namespaced kind)');
  if (!schema.validate(object)) {
    for (const error of schema.validate.errors ?? []) {
      problems.push(`${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}${error.params && 'allowedValues' in error.params ? ` (${(error.params.allowedValues as unknown[]).join(', ')})` : ''}`);
    }
  }
  return problems;
}
