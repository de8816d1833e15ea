/**
 * Log lines of the Velero server, the node agent, `velero backup logs` and repository
 * maintenance jobs, in both formats Velero writes (logrus logfmt `time=… level=… msg=…`, and
 * JSON lines with --log-format=json), plus the fatal line a server prints before it exits
 * (`An error occurred: …`). Classification is per line and cheap, so a log of any size can be
 * streamed through it. The level alone never fails anything: the signature registry decides.
 */
import type { EvidenceKind } from './types.ts';

export interface LogRecord {
  level: string;
  message: string;
  kind: EvidenceKind;
}

const LOGFMT_LEVEL = /\blevel=(\w+)/;
const LOGFMT_MSG = /\bmsg="((?:[^"\\]|\\.)*)"|\bmsg=(\S+)/;

/** The kind of log a line comes from, from its logSource/controller/logger fields. */
function logKind(text: string): EvidenceKind {
  if (/nodeagent\/server\.go|controller=(podvolumebackup|podvolumerestore|dataupload|datadownload)|node-agent server/.test(text)) return 'nodeAgentLog';
  if (/repo(?:sitory)? (prune|maintenance)|maintenance job|kopia_log\.go|kopialib|run repo maintenance/i.test(text)) return 'maintenanceLog';
  if (/\brestore=/.test(text)) return 'restoreLog';
  if (/\bbackup=/.test(text) && !/controller=/.test(text)) return 'backupLog';
  return 'serverLog';
}

/** A log record when the line is one (logfmt, JSON, the fatal startup line, klog, Go log), else undefined. */
export function parseLogLine(text: string): LogRecord | undefined {
  if (text.length === 0) return undefined;
  if (text.includes('level=')) {
    const level = LOGFMT_LEVEL.exec(text)?.[1];
    if (level && (text.includes('msg=') || text.includes('time='))) {
      const m = LOGFMT_MSG.exec(text);
      return { level: level.toLowerCase(), message: (m?.[1] ?? m?.[2] ?? '').replace(/\\"/g, '"'), kind: logKind(text) };
    }
  }
  const first = text.charCodeAt(0);
  if (first === 123 /* { */ && text.includes('"level"')) {
    try {
      const record = JSON.parse(text) as Record<string, unknown>;
      if (typeof record.level === 'string') {
        const extra = typeof record.error === 'string' ? ` error=${record.error}` : '';
        return { level: record.level.toLowerCase(), message: `${String(record.msg ?? record.message ?? '')}${extra}`, kind: logKind(text) };
      }
    } catch {
      return undefined;
    }
  }
  if (text.startsWith('An error occurred: ')) return { level: 'fatal', message: text.slice('An error occurred: '.length), kind: 'serverLog' };
  // klog (I0812 17:20:31.096645 …), controller-runtime (1.71e+09  INFO …), Go log (2024/11/01 11:11:02 …)
  if (/^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s/.test(text)) return { level: { I: 'info', W: 'warning', E: 'error', F: 'fatal' }[text[0]]!, message: text, kind: 'serverLog' };
  if (/^\d(?:\.\d+)?e\+\d{2}\s+(INFO|ERROR|DEBUG|WARN)\s/.test(text)) return { level: /^\S+\s+(\w+)/.exec(text)![1].toLowerCase(), message: text, kind: 'serverLog' };
  if (/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} /.test(text)) return { level: 'info', message: text.slice(20), kind: 'serverLog' };
  return undefined;
}

/**
 * The cheap test a streamed log needs per line: is it a log record, and — only for the few lines
 * that are not info/debug, or the first lines of a file — which log it comes from. Avoids the
 * message extraction `parseLogLine` does, so that classification costs little next to reading.
 */
export function quickLogKind(text: string, firstLines: boolean): EvidenceKind | 'record' | undefined {
  const at = text.indexOf('level=');
  if (at >= 0) {
    const quiet = text.startsWith('info', at + 6) || text.startsWith('debug', at + 6);
    return quiet && !firstLines ? 'record' : logKind(text);
  }
  if (text.charCodeAt(0) === 123 /* { */ || text.startsWith('An error occurred: ') || firstLines) return parseLogLine(text)?.kind;
  return undefined;
}
