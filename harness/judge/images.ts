/**
 * Container image references and the Velero ↔ AWS plugin pairing. Pure helpers for
 * beyond.image-pinning (both the manifests and the live branch).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceDir } from '../schema/reference.ts';

export interface ImageRef {
  raw: string;
  /** Registry host when the reference names one (`docker.io`, `quay.io`, `localhost:5000`). */
  registry?: string;
  /** Repository path without registry, tag or digest (`velero/velero-plugin-for-aws`). */
  repository: string;
  /** The last path segment (`velero-plugin-for-aws`). */
  name: string;
  tag?: string;
  digest?: string;
}

/** Split an image reference the way container runtimes do (registry / repository : tag @ digest). */
export function parseImageRef(raw: string): ImageRef {
  let rest = raw.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  const name = rest.slice(rest.lastIndexOf('/') + 1);
  return { raw, registry, repository: rest, name, tag: tag || undefined, digest: digest || undefined };
}

/** Why an image is not pinned, or undefined when it is (a digest pins; else a tag other than latest). */
export function pinProblem(image: ImageRef): string | undefined {
  if (image.digest) return undefined;
  if (!image.tag) return 'has no tag (the runtime pulls "latest")';
  if (image.tag.toLowerCase() === 'latest') return 'uses the tag "latest"';
  return undefined;
}

export interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
}

/** `v1.14.0`, `1.18.1`, `v1.14.0-rc.1` → version; anything else → undefined. */
export function parseVersion(text: string | undefined): Version | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/.exec(text?.trim() ?? '');
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), prerelease: match[4] };
}

export function minorLine(version: Version): string {
  return `${version.major}.${version.minor}`;
}

/**
 * velero-plugin-for-aws minor line for each Velero minor line: the "Compatibility" table of the
 * plugin's README over its history (reference/velero/aws-plugin-compatibility.json, written by
 * scripts/vendor-chart-data.mjs): plugin v1.14.x ↔ Velero v1.18.x, v1.13.x ↔ v1.17.x, …
 */
export const AWS_PLUGIN_LINE_FOR_VELERO: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(
    (JSON.parse(readFileSync(join(referenceDir(), 'aws-plugin-compatibility.json'), 'utf8')) as { veleroToPlugin: Record<string, { plugin: string }> }).veleroToPlugin,
  ).map(([velero, row]) => [velero, row.plugin]),
);

/** The plugin minor line paired with a Velero version, or undefined when docs/velero-facts.md §7 does not list it. */
export function expectedAwsPluginLine(velero: Version): string | undefined {
  return AWS_PLUGIN_LINE_FOR_VELERO[minorLine(velero)];
}
