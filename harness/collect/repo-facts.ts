/**
 * Facts about the GitOps repository for the secrets guardrail (plan: "Do NOT use existing
 * `hosts-secrets.enc.yaml` directly (must use `k8s-secrets.enc.yaml`)"):
 * - which of the plan's secrets files exist, whether they are SOPS files and which key names they
 *   hold (values are never read past the parser and never kept);
 * - which files reference the hosts secrets file, the k8s secrets file, or the source key names.
 *
 * The scan reads text files only (binary files are skipped), skips `.git`, `node_modules`, other
 * dot-directories and symlinks (a Nix `result` link points into the store), ignores comment lines
 * (a comment saying "do not use hosts-secrets.enc.yaml" is not a use) and is bounded in files and
 * bytes so a huge repository cannot stall a CI gate.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { AuditInputError, describeError } from '../errors.ts';
import type { BackupPlan } from '../plan.ts';
import { isSopsEncrypted } from './secrets.ts';
import type { FileReference, RepoFacts, SecretsFileFacts } from './manifests-types.ts';

export interface RepoScanLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

const DEFAULT_REPO_SCAN_LIMITS: RepoScanLimits = { maxFiles: 20_000, maxFileBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 };

const SKIPPED_DIRS = new Set(['node_modules', 'result', 'vendor']);

/** Key names of a parsed SOPS/YAML/JSON document as dotted paths, `sops` metadata excluded. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return prefix ? [prefix] : [];
  const out: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (!prefix && key === 'sops') continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) out.push(...keyPaths(item, path));
    else out.push(path);
  }
  return out;
}

/** SOPS dotenv/INI files keep their metadata in `sops_*` keys. */
function dotenvFacts(text: string): { keys: string[]; sops: boolean } {
  const keys: string[] = [];
  let sops = false;
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*=/.exec(line);
    if (!match) continue;
    if (match[1].startsWith('sops_')) sops = sops || match[1] === 'sops_mac' || match[1] === 'sops_version' || match[1] === 'sops_lastmodified';
    else keys.push(match[1]);
  }
  return { keys, sops };
}

/** Read a secrets file and keep only whether it is SOPS-encrypted and its key names. */
export function secretsFileFacts(repoDir: string, path: string): SecretsFileFacts {
  const full = resolve(repoDir, path);
  const facts: SecretsFileFacts = { path, exists: existsSync(full), sopsEncrypted: false, keys: [] };
  if (!facts.exists) return facts;
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    facts.problem = `cannot be read: ${describeError(error)}`;
    return facts;
  }
  if (/\.(env|ini)$/i.test(path)) {
    const { keys, sops } = dotenvFacts(text);
    return { ...facts, keys: keys.sort(), sopsEncrypted: sops };
  }
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    facts.problem = 'is not valid YAML/JSON';
    return facts;
  }
  const value = document.toJS({ maxAliasCount: 1000 }) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    facts.problem = 'is not a mapping of secret names';
    return facts;
  }
  facts.sopsEncrypted = isSopsEncrypted(value as Record<string, unknown>);
  facts.keys = keyPaths(value).sort();
  return facts;
}

function isCommentLine(line: string): boolean {
  const trimmed = line.trimStart();
  return trimmed.startsWith('#') || trimmed.startsWith('//') || trimmed.startsWith('--') || trimmed.startsWith('*') || trimmed.startsWith('/*') || trimmed.startsWith(';');
}

interface Needle {
  kind: 'hosts' | 'k8s' | 'sourceKey';
  pattern: RegExp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A file name matched as a whole path segment, so `my-hosts-secrets.enc.yaml` does not count. */
function fileNeedle(path: string): RegExp {
  return new RegExp(`(^|[^A-Za-z0-9_.-])${escapeRegExp(basename(path))}($|[^A-Za-z0-9_-])`);
}

function wordNeedle(word: string): RegExp {
  return new RegExp(`(^|[^A-Za-z0-9_])${escapeRegExp(word)}($|[^A-Za-z0-9_])`);
}

/** Directories that hold cluster (not host) configuration in GitOps repositories. */
const CLUSTER_CONFIG_DIR = /(^|\/)(kubenix|kubernetes|k8s|apps|charts|manifests|clusters|helm|flux|argocd?)(\/|$)/i;

/**
 * Whether a file is one of the Velero modules: its path mentions velero (velero.nix,
 * velero-config.enc.nix), or it is cluster configuration (under kubenix/, k8s/, apps/, …) that
 * mentions velero. Host configuration — e.g. the Pi's MinIO module creating the velero user from
 * the hosts secrets, which the plan expects — is not a Velero module.
 */
export function isVeleroModule(relativePath: string, text: string): boolean {
  if (/velero/i.test(relativePath)) return true;
  const dir = relativePath.includes('/') ? relativePath.slice(0, relativePath.lastIndexOf('/')) : '';
  return CLUSTER_CONFIG_DIR.test(dir) && /velero/i.test(text);
}

/**
 * Scan the repository. Throws AuditInputError when `repoDir` is not a directory.
 */
export function collectRepoFacts(repoDir: string, plan: BackupPlan, limits: RepoScanLimits = DEFAULT_REPO_SCAN_LIMITS): RepoFacts {
  let isDir = false;
  try {
    isDir = lstatSync(repoDir).isDirectory();
  } catch {
    throw new AuditInputError(`--repo ${repoDir}: no such directory. Pass the root of the GitOps repository (the directory that holds ${plan.credentials.k8sSecretsFile}).`);
  }
  if (!isDir) throw new AuditInputError(`--repo ${repoDir} is not a directory. Pass the root of the GitOps repository.`);

  const { k8sSecretsFile, hostsSecretsFile, sourceKeys } = plan.credentials;
  const facts: RepoFacts = {
    dir: repoDir,
    k8sSecretsFile: secretsFileFacts(repoDir, k8sSecretsFile),
    hostsSecretsFile: secretsFileFacts(repoDir, hostsSecretsFile),
    hostsSecretsReferences: [],
    k8sSecretsReferences: [],
    sourceKeyReferences: [],
    scannedFiles: 0,
    truncated: false,
  };
  const needles: Needle[] = [
    { kind: 'hosts', pattern: fileNeedle(hostsSecretsFile) },
    { kind: 'k8s', pattern: fileNeedle(k8sSecretsFile) },
    { kind: 'sourceKey', pattern: wordNeedle(sourceKeys.accessKeyId) },
    { kind: 'sourceKey', pattern: wordNeedle(sourceKeys.secretAccessKey) },
  ];
  const secretsFiles = new Set([resolve(repoDir, k8sSecretsFile), resolve(repoDir, hostsSecretsFile)]);
  let totalBytes = 0;

  const scanFile = (full: string) => {
    const rel = relative(repoDir, full).split(sep).join('/');
    let buffer: Buffer;
    try {
      buffer = readFileSync(full);
    } catch {
      return;
    }
    if (buffer.subarray(0, 8192).includes(0)) return; // binary
    facts.scannedFiles += 1;
    totalBytes += buffer.length;
    const text = buffer.toString('utf8');
    const veleroRelated = isVeleroModule(rel, text);
    const lines = text.split(/\r?\n/);
    lines.forEach((line, index) => {
      if (isCommentLine(line)) return;
      for (const needle of needles) {
        if (!needle.pattern.test(line)) continue;
        const reference: FileReference = { file: rel, line: index + 1, veleroRelated };
        if (needle.kind === 'hosts') facts.hostsSecretsReferences.push(reference);
        else if (needle.kind === 'k8s') facts.k8sSecretsReferences.push(reference);
        else if (!facts.sourceKeyReferences.some((r) => r.file === rel && r.line === index + 1)) facts.sourceKeyReferences.push(reference);
      }
    });
  };

  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const entry of entries) {
      if (facts.truncated) return;
      const full = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
        walk(full);
      } else if (entry.isFile()) {
        if (secretsFiles.has(resolve(full))) continue; // ciphertext: its key names are read above
        if (facts.scannedFiles >= limits.maxFiles || totalBytes >= limits.maxTotalBytes) {
          facts.truncated = true;
          return;
        }
        let size = 0;
        try {
          size = lstatSync(full).size;
        } catch {
          continue;
        }
        if (size > limits.maxFileBytes) continue;
        scanFile(full);
      }
    }
  };
  walk(repoDir);
  return facts;
}
