/**
 * Clean pasted terminal text into lines the readers can trust, keeping each line's number in
 * the original input: Windows line ends, ANSI colours, markdown fences, bold and inline code
 * marks go; shell prompts are recognised and turn into command lines (they separate one
 * output from the next in a transcript). Secrets are redacted here, before anything is kept.
 */
import { redactSecrets } from '../redact.ts';

export interface CleanLine {
  /** The cleaned text (prompt removed for command lines). */
  text: string;
  /** 1-based line number in the input. */
  line: number;
  /** The command a shell prompt introduced (`velero backup get`), when the line is a prompt. */
  command?: string;
  /** A markdown fence (```), a block separator. */
  fence?: boolean;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

// `$ cmd`, `# kubectl …`, `user@host:~/dir$ cmd`, `[root@host dir]# cmd`, `PS C:\> cmd`, `> cmd`.
const PROMPTS: RegExp[] = [
  /^\s*(?:\[[^\]\n]{1,80}\]\s?[#$%]|[\w.-]+@[\w.-]+(?::[^\s$#]*)?\s?[#$%]|PS [A-Z]:\\[^>]*>|[$%❯➜])\s+(\S.*)$/u,
  /^\s*#\s+((?:kubectl|oc|velero|helm|ark)\b.*)$/,
  /^\s*>\s+((?:kubectl|oc|velero|helm|ark)\b.*)$/,
];

/** A bare command line without a prompt (`velero backup get`, `kubectl -n velero get pods`). */
const BARE_COMMAND = /^\s*(?:\.\/|\S*\/)?(?:kubectl|oc|velero|ark)(?:\s+(?:-{1,2}[\w-]+(?:[= ]\S+)?|oadp))*\s+(?:get|describe|logs|backup|restore|schedule|backup-location|debug|version|create|delete)\b.*$/;

export function cleanText(raw: string): CleanLine[] {
  const lines = raw.split(/\r?\n|\r/);
  const out: CleanLine[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    // Colours go, and every other control character: pasted text reaches terminals and reports.
    // eslint-disable-next-line no-control-regex
    let text = lines[index].replace(ANSI, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    if (/^\s*(```|~~~)/.test(text)) {
      out.push({ text: '', line: index + 1, fence: true });
      // A fence may be followed by text on the same line (```bash is a language tag, not text).
      continue;
    }
    text = text.replace(/\*\*/g, '');
    // Inline code marks around a whole paste (`…`), as in an issue comment.
    text = text.replace(/^(\s*)`+/, '$1').replace(/`+\s*$/, '');
    text = redactSecrets(text);
    const command = commandOf(text);
    out.push(command ? { text: command, line: index + 1, command } : { text, line: index + 1 });
  }
  return out;
}

function commandOf(text: string): string | undefined {
  for (const prompt of PROMPTS) {
    const match = prompt.exec(text);
    if (match) return match[1].trim();
  }
  if (BARE_COMMAND.test(text) && !/\s{3,}/.test(text.trim())) return text.trim();
  return undefined;
}

/** A run of lines between commands (or fences): one command's output, as far as can be told. */
export interface Segment {
  command?: string;
  lines: CleanLine[];
}

export function segments(lines: CleanLine[]): Segment[] {
  const out: Segment[] = [];
  let current: Segment = { lines: [] };
  for (const line of lines) {
    if (line.command !== undefined) {
      if (current.lines.length || current.command) out.push(current);
      current = { command: line.command, lines: [] };
      continue;
    }
    current.lines.push(line);
  }
  if (current.lines.length || current.command) out.push(current);
  return out;
}

/** The resource a `kubectl|oc get|describe <resource>` command names, lower-cased and singular-ish. */
export function commandResource(command: string | undefined): { verb: string; resource: string } | undefined {
  if (!command) return undefined;
  // Drop flags, and the value of the flags that take one (`-n velero`, `--context prod`).
  const tokens = command.split(/\s+/);
  const words: string[] = [];
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index];
    if (token.startsWith('-')) {
      if (/^(-[nolc]|--(namespace|context|kubeconfig|selector|output|cluster|user))$/.test(token)) index += 1;
      continue;
    }
    if (token === '|') break;
    words.push(token);
  }
  const tool = words.findIndex((word) => /(^|\/)(kubectl|oc|velero|ark)$/.test(word));
  if (tool < 0) return undefined;
  const rest = words.slice(tool + 1).filter((word) => word !== 'oadp');
  const isVelero = /(velero|ark)$/.test(words[tool]);
  if (isVelero) {
    // velero backup get | velero get backups | velero backup describe x
    const [a, b] = rest;
    if (a === 'get' || a === 'describe' || a === 'logs') return { verb: a, resource: (b ?? '').replace(/s$/, '') };
    return { verb: b ?? '', resource: a ?? '' };
  }
  const [verb, resource] = rest;
  if (!verb) return undefined;
  return { verb, resource: (resource ?? '').split('/')[0].split('.')[0].toLowerCase() };
}
