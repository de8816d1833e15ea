/** The static (manifests) judges, one per catalog item; registered in judge/index.ts. */
export { judgeLanOnlyManifests } from './lan-only.ts';
