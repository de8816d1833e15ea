/**
 * beyond.image-pinning, manifests: the shared pure judge (judge/image-pinning.ts) on the rendered
 * or values-derived velero Deployment and node-agent DaemonSet, behind the values gate.
 */
import { judgeImagePinning } from '../image-pinning.ts';
import { staticJudge } from './common.ts';

export const judgeImagePinningManifests = staticJudge('beyond.image-pinning', judgeImagePinning);
