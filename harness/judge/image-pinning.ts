/**
 * beyond.image-pinning — plan: "`initContainers`: `velero-plugin-for-aws`".
 *
 * The plan names the plugin but no versions. Two things make an install reproducible and
 * working, and both are readable from the velero Deployment (rendered or live):
 * - every image is pinned: a digest, or a tag other than `latest` (an untagged image is `latest`);
 * - the AWS plugin's minor line is the one paired with the Velero server's (docs/velero-facts.md §7:
 *   plugin v1.14.x ↔ Velero v1.18.x, v1.13.x ↔ v1.17.x, …) and the node agent runs the same image
 *   as the server.
 * One pure judge serves both branches: the manifests branch reads the rendered (or values-derived)
 * Deployment/DaemonSet, the live branch the objects collected from the cluster.
 */
import type { KubeObject } from '../state.ts';
import { AWS_PLUGIN_LINE_FOR_VELERO, expectedAwsPluginLine, minorLine, parseImageRef, parseVersion, pinProblem, type ImageRef } from './images.ts';
import { isPlaceholder } from './exposure.ts';
import { fail, pass, skip, type Finding, type JudgeContext } from './types.ts';
import { failIfVeleroAbsent, nodeAgentDaemonSet, veleroDeployment } from './facts/workloads.ts';
import { objectsAreRepositoryFiles } from './facts/manifests-input.ts';

const ID = 'beyond.image-pinning' as const;

interface ContainerImage {
  where: string;
  container: string;
  image: ImageRef;
}

function imagesOf(workload: KubeObject | undefined): ContainerImage[] {
  if (!workload) return [];
  const spec = workload.spec?.template?.spec ?? {};
  const out: ContainerImage[] = [];
  for (const [field, list] of [['initContainers', spec.initContainers], ['containers', spec.containers]] as const) {
    for (const container of (list ?? []) as Array<{ name?: string; image?: string }>) {
      out.push({ where: `${workload.kind} ${workload.metadata.name} ${field === 'initContainers' ? 'init container' : 'container'} ${container.name ?? '?'}`, container: container.name ?? '', image: parseImageRef(String(container.image ?? '')) });
    }
  }
  return out;
}

export function judgeImagePinning(context: JudgeContext): Finding {
  const { state, plan } = context;
  const expected =
    `Plan: "\`initContainers\`: \`${plan.velero.plugin}\`" — every Velero image pinned (no latest, no missing tag) and the plugin's minor line paired with the Velero version (docs/velero-facts.md §7: ` +
    `${Object.entries(AWS_PLUGIN_LINE_FOR_VELERO).slice(0, 2).map(([velero, plugin]) => `plugin v${plugin}.x ↔ Velero v${velero}.x`).join(', ')}, …).`;
  const deployment = veleroDeployment(state, plan);
  // A repository's files may render the Deployment elsewhere; a cluster without it has no Velero.
  if (!deployment && !objectsAreRepositoryFiles(state)) {
    const absent = failIfVeleroAbsent(ID, state, plan, expected);
    if (absent) return absent;
    return skip(ID, `The velero Deployment is not in the collected state (namespace ${plan.namespace}), so its images cannot be checked.`, [
      `Deployments: ${state.objects.deployments.map((d) => d.metadata.name).join(', ') || 'none'}`,
    ]);
  }
  if (!deployment) {
    return fail(ID, `No velero Deployment in namespace ${plan.namespace}: the images cannot be checked.`, [`Deployments: ${state.objects.deployments.map((d) => d.metadata.name).join(', ') || 'none'}`], 'Deploy (render) the Velero chart; its Deployment is named velero.', { expected });
  }
  const nodeAgent = nodeAgentDaemonSet(state, plan);
  const images = [...imagesOf(deployment), ...imagesOf(nodeAgent)];
  const evidence: string[] = images.map((entry) => `${entry.where}: ${entry.image.raw || '(no image)'}`);
  const problems: string[] = [];
  const remediation: string[] = [];
  const warnings: string[] = [];

  // `${VELERO_TAG}` (Flux postBuild) or a template is filled in at deploy time: not shown.
  for (const entry of images.filter((e) => isPlaceholder(e.image.raw))) warnings.push(`${entry.where}: ${entry.image.raw} is filled in at deploy time, so its pin is not shown.`);
  const unpinned = images.filter((entry) => !isPlaceholder(entry.image.raw)).map((entry) => ({ entry, problem: pinProblem(entry.image) })).filter((x) => x.problem);
  for (const { entry, problem } of unpinned) problems.push(`${entry.where} ${entry.image.raw || '(no image)'} ${problem}`);
  if (unpinned.length) remediation.push('Pin every image to a released tag (e.g. docker.io/velero/velero:v1.18.1, docker.io/velero/velero-plugin-for-aws:v1.14.4) or a digest.');

  const server = images.find((entry) => entry.where.startsWith('Deployment') && entry.container === 'velero') ?? images.find((entry) => entry.where.startsWith('Deployment') && entry.where.includes(' container '));
  const plugin = images.find((entry) => entry.where.startsWith('Deployment') && (entry.image.name === plan.velero.plugin || entry.container === plan.velero.plugin));
  if (!plugin) {
    problems.push(`no ${plan.velero.plugin} init container in the velero Deployment: the aws provider has no object-store plugin`);
    remediation.push(`Add the plugin as an init container: initContainers: [{ name: ${plan.velero.plugin}, image: ${plan.velero.pluginImage}, volumeMounts: [{ name: plugins, mountPath: /target }] }].`);
  }

  const serverVersion = parseVersion(server?.image.tag);
  if (server && !serverVersion) warnings.push(`The Velero image ${server.image.raw} has no version tag: the plugin pairing cannot be checked.`);
  if (serverVersion?.prerelease) warnings.push(`The Velero image is a pre-release (${server!.image.tag}).`);
  const planVersion = parseVersion(plan.velero.version);
  // The plan's Velero version is the homelab's; with every expectation off it says nothing.
  if (plan.expect !== false && serverVersion && planVersion && minorLine(serverVersion) !== minorLine(planVersion)) {
    warnings.push(`The Velero image is v${minorLine(serverVersion)}.x; the plan's velero.version is ${plan.velero.version}.`);
  }
  if (plugin && serverVersion && plugin.image.name === 'velero-plugin-for-aws') {
    const pluginVersion = parseVersion(plugin.image.tag);
    const wanted = expectedAwsPluginLine(serverVersion);
    if (!pluginVersion) warnings.push(`The plugin image ${plugin.image.raw} has no version tag: its pairing with Velero v${minorLine(serverVersion)} cannot be checked.`);
    else if (!wanted) warnings.push(`velero-plugin-for-aws's compatibility table (reference/velero/aws-plugin-compatibility.json) lists no plugin line for Velero v${minorLine(serverVersion)}.x.`);
    else {
      evidence.push(`Pairing: Velero v${minorLine(serverVersion)}.x needs velero-plugin-for-aws v${wanted}.x; found ${plugin.image.tag}`);
      if (minorLine(pluginVersion) !== wanted) {
        problems.push(`velero-plugin-for-aws ${plugin.image.tag} is the v${minorLine(pluginVersion)}.x line, but Velero ${server!.image.tag} needs v${wanted}.x`);
        remediation.push(`Use velero-plugin-for-aws v${wanted}.x with Velero v${minorLine(serverVersion)}.x (docs/velero-facts.md §7), e.g. ${plugin.image.registry ? `${plugin.image.registry}/` : ''}${plugin.image.repository}:v${wanted}.0.`);
      }
      if (pluginVersion.prerelease) warnings.push(`The plugin image is a pre-release (${plugin.image.tag}).`);
    }
  } else if (plugin && plugin.image.name !== 'velero-plugin-for-aws') {
    warnings.push(`The plugin ${plugin.image.raw} is not velero-plugin-for-aws: only that plugin's pairing table is known.`);
  }

  // Chart/app skew: the chart's templates and defaults are written for the Velero it ships.
  const values = state.manifests?.values;
  const chartApp = parseVersion(values?.appVersion);
  if (values && chartApp && serverVersion && minorLine(chartApp) !== minorLine(serverVersion)) {
    warnings.push(
      `Chart ${values.chartVersion} ships Velero ${values.appVersion}, but the image is ${server!.image.tag}: the chart's templates, flags and defaults were written for v${minorLine(chartApp)}.x — use the chart release made for v${minorLine(serverVersion)}.x.`,
    );
  }
  const agent = images.find((entry) => entry.where.startsWith('DaemonSet') && entry.container === 'node-agent') ?? images.find((entry) => entry.where.startsWith('DaemonSet'));
  if (server && agent && agent.image.raw !== server.image.raw) {
    problems.push(`the node agent runs ${agent.image.raw} but the server runs ${server.image.raw}`);
    remediation.push('Run the node agent with the same image as the velero server (the chart uses image.repository/tag for both).');
  }

  const origin = state.manifests?.mode && state.manifests.mode !== 'rendered' && state.manifests.values ? ` (derived from the Helm values in ${state.manifests.values.source})` : '';
  for (const note of state.manifests?.values?.notes ?? []) if (/initContainers|extraObjects/.test(note)) warnings.push(note);
  const extra = { expected, warnings: warnings.length ? warnings : undefined };
  if (problems.length) return fail(ID, `Velero images are not pinned or not paired${origin}: ${problems.join('; ')}.`, evidence, remediation.join(' '), extra);
  return pass(ID, `Velero images are pinned and the plugin matches Velero ${server?.image.tag ?? ''}${origin}.`.replace(' .', '.'), evidence, extra);
}
