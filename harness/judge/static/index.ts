/** The static (manifests) judges, one per catalog item; registered in judge/index.ts. */
export { judgeK8sSecretsManifests } from './k8s-secrets.ts';
export { judgeLanOnlyManifests } from './lan-only.ts';
