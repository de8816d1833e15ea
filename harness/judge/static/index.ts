/** The static (manifests) judges, one per catalog item; registered in judge/index.ts. */
export { judgeS3TargetManifests } from './s3-target.ts';
export { judgeK8sSecretsManifests } from './k8s-secrets.ts';
export { judgeLanOnlyManifests } from './lan-only.ts';
