/** How the matcher treats lines: counting, latest phase wins, continuations, redaction, streaming. */
import { describe, expect, it } from 'vitest';
import { Redactor } from '../redact.ts';
import { createMatcher, matchSignatures } from './match.ts';
import { fill } from './match/text.ts';
import type { InputLine } from './match/types.ts';
import { objectFileLinesThatMayMatch } from './object-file.ts';

const lines = (text: string, source = 'server.log'): InputLine[] => text.split('\n').map((line, index) => ({ text: line, source, line: index + 1 }));

const INVALID_KEY = (n: number) =>
  `time="2024-01-0${1 + (n % 9)}T00:00:00Z" level=error msg="Current BackupStorageLocations available/unavailable/unknown: 0/1/0, BackupStorageLocation \\"default\\" is unavailable: rpc error: code = Unknown desc = operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: ${n}, HostID: x, api error InvalidAccessKeyId: The Access Key Id you provided does not exist in our records.)"`;

describe('createMatcher', () => {
  it('counts a repeated message once, quoting its first lines with source and line number', () => {
    const matcher = createMatcher();
    for (let n = 1; n <= 1000; n++) matcher.push({ text: INVALID_KEY(n), source: 'velero.log', line: n });
    const results = matcher.results();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ code: 'VV-BSL-001', item: 'dod.bsl-available', severity: 'error', count: 1000 });
    expect(results[0].evidence.map((line) => `${line.source}:${line.line}`)).toEqual(['velero.log:1', 'velero.log:2', 'velero.log:3']);
    expect(results[0].evidence[0].text).toContain('api error InvalidAccessKeyId');
  });

  it('gives the same results pushed line by line as matched at once', () => {
    const text = [INVALID_KEY(1), 'Phase:  PartiallyFailed (run `velero backup logs b1` for more information)', INVALID_KEY(2)].join('\n');
    const matcher = createMatcher();
    for (const line of lines(text)) matcher.push(line);
    expect(matcher.results()).toEqual(matchSignatures(lines(text)));
  });

  it('takes the latest phase of each object, across sources', () => {
    const first = lines('velero backup describe b1\nName:  b1\nPhase:  InProgress', 'first.txt');
    const second = lines('velero backup describe b1\nName:  b1\nPhase:  Completed', 'second.txt');
    expect(matchSignatures([...first, ...second])).toEqual([]);
    const reversed = matchSignatures([...second, ...first]);
    expect(reversed.map((match) => match.code)).toEqual(['VV-BKP-005']);
    expect(reversed[0].evidence).toEqual([{ source: 'first.txt', line: 3, text: 'Phase:  InProgress' }]);
  });

  it('a failed Job pod after a Backup in one List is not the backup', () => {
    const list = [
      'apiVersion: v1',
      'items:',
      '- apiVersion: velero.io/v1',
      '  kind: Backup',
      '  metadata:',
      '    name: b1',
      '  status:',
      '    phase: Completed',
      '- apiVersion: v1',
      '  kind: Pod',
      '  metadata:',
      '    name: app-default-kopia-maintain-job-17',
      '  status:',
      '    phase: Failed',
      'kind: List',
    ].join('\n');
    expect(matchSignatures(lines(list, 'state.yaml'))).toEqual([]);
    expect(matchSignatures(lines(list.replace('phase: Completed', 'phase: Failed'), 'state.yaml')).map((match) => [match.code, match.cause.includes('b1')])).toEqual([['VV-BKP-001', true]]);
  });

  it('one finding for a code shown both by a message and by a phase; results() can be read again', () => {
    const matcher = createMatcher();
    const yaml = 'kind: Schedule\nmetadata:\n  name: daily\nstatus:\n  phase: FailedValidation\n  validationErrors:\n  - "invalid schedule: bad cron"';
    for (const line of lines(yaml, 'schedule.yaml')) matcher.push(line);
    const first = matcher.results();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ code: 'VV-SCH-001', count: 2 });
    expect(first[0].cause).toContain('daily');
    expect(first[0].cause).toContain('bad cron');
    expect(matcher.results()).toEqual(first);
  });

  it('keeps objects apart by name and counts them', () => {
    const text = [
      'NAME      STATUS            ERRORS   WARNINGS   CREATED                         EXPIRES   STORAGE LOCATION   SELECTOR',
      'daily-3   PartiallyFailed   27       0          2021-10-03 09:58:44 +0000 UTC   27d       aws-s3             <none>',
      'daily-2   PartiallyFailed   27       0          2021-10-02 09:58:44 +0000 UTC   26d       aws-s3             <none>',
      'daily-1   Completed         0        0          2021-10-01 09:58:29 +0000 UTC   25d       aws-s3             <none>',
    ].join('\n');
    const [match] = matchSignatures(lines(text, 'backup-get.txt'));
    expect(match).toMatchObject({ code: 'VV-BKP-002', count: 2 });
    expect(match.cause).toContain('daily-3, daily-2');
  });

  it('reads a wrapped AWS SDK v1 error: the "status code" / "caused by" line continues the previous one', () => {
    const text = 'An error occurred: some backup storage locations are invalid: backup store for location "default" is invalid: rpc error: code = Unknown desc = RequestError: send request failed\ncaused by: Get http://10.0.0.5:9000/velero?list-type=2&prefix=: dial tcp 10.0.0.5:9000: i/o timeout';
    const [match, ...rest] = matchSignatures(lines(text));
    expect(rest).toEqual([]);
    expect(match.code).toBe('VV-BSL-005');
    expect(match.evidence.map((line) => line.line)).toEqual([1, 2]);
    expect(match.cause).toContain('10.0.0.5:9000 (i/o timeout)');
  });

  it('reads the SDK v1 continuation escaped inside one logfmt value (velero#3282)', () => {
    const line = 'time="2021-05-04T15:45:40Z" level=error msg="Error listing backups in backup store" backupLocation=default controller=backup-sync error="rpc error: code = Unknown desc = RequestError: send request failed\\ncaused by: Get http://IPdetailscurrentlymasked:9000/kubedemo?delimiter=%2F&list-type=2&prefix=backups%2F: dial tcp IPdetailscurrentlymasked:9000: i/o timeout"';
    const [match, ...rest] = matchSignatures(lines(line));
    expect(rest).toEqual([]);
    expect(match).toMatchObject({ code: 'VV-BSL-005' });
    expect(match.cause).toContain('IPdetailscurrentlymasked:9000 (i/o timeout)');
  });

  it('drops a catch-all when a precise signature of the same item matched', () => {
    const text = [
      'time="2021-03-12T18:53:41Z" level=warning msg="Unavailable backup storage locations detected: available/unavailable/unknown: 2/2/0, )"',
      INVALID_KEY(1),
    ].join('\n');
    expect(matchSignatures(lines(text)).map((match) => match.code)).toEqual(['VV-BSL-001']);
    expect(matchSignatures(lines(text.split('\n')[0])).map((match) => match.code)).toEqual(['VV-BSL-000']);
  });

  it('redacts secrets in quoted evidence and in filled values', () => {
    const text = [
      'time="2024-01-01T00:00:00Z" level=error msg="BackupStorageLocation \\"default\\" is unavailable" error="InvalidAccessKeyId: AKIAIOSFODNN7EXAMPLE aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
      'BackupStorageLocation "default" is unavailable: Get "https://admin:hunter2secret@minio.lan:9000/velero?list-type=2": dial tcp minio.lan:9000: i/o timeout token=abcd1234efgh',
    ].join('\n');
    const redactor = new Redactor();
    redactor.add('S3cr3tFromTheSecret');
    const results = matchSignatures(lines(`${text}\nAccessDenied: key S3cr3tFromTheSecret status code: 403 backup store`), { redactor });
    const everything = JSON.stringify(results);
    for (const secret of ['AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI', 'hunter2secret', 'abcd1234efgh', 'S3cr3tFromTheSecret']) expect(everything).not.toContain(secret);
    expect(everything).toContain('[REDACTED]');
    expect(results.map((match) => match.code).sort()).toEqual(['VV-BSL-001', 'VV-BSL-002', 'VV-BSL-005']);
  });

  it('strips terminal colours and control characters from what it quotes', () => {
    const [match] = matchSignatures(lines('velero backup describe b1\nPhase:  \u001b[31mFailed\u001b[0m\u0007'));
    expect(match.code).toBe('VV-BKP-001');
    expect(match.evidence[0].text).toBe('Phase:  Failed ');
  });

  it('survives huge lines, binary junk and lines shaped to make a backtracking pattern explode', () => {
    const matcher = createMatcher();
    matcher.push({ text: 'x'.repeat(5_000_000), source: 'big.log', line: 1 });
    matcher.push({ text: '\u0000\u0001\u00ff\ufffd'.repeat(1000), source: 'big.log', line: 2 });
    matcher.push({ text: `${'a '.repeat(100_000)}is a hostPath volume`, source: 'big.log', line: 3 });
    // Lines shaped to make a backtracking pattern explode (many flags, many quotes, many separators).
    matcher.push({ text: `kubectl ${'-a -b '.repeat(2000)}!`, source: 'big.log', line: 4 });
    matcher.push({ text: `velero ${'--x=1 -y '.repeat(2000)}!`, source: 'big.log', line: 5 });
    matcher.push({ text: `pod volume backup failed: ${'\\"'.repeat(20_000)}`, source: 'big.log', line: 6 });
    matcher.push({ text: `  ${'ns/pod-'.repeat(5000)}: ${'v, '.repeat(5000)}`, source: 'big.log', line: 7 });
    matcher.push({ text: `NAME  STATUS  EXPIRES\n${'x  '.repeat(20_000)}`, source: 'big.log', line: 8 });
    expect(matcher.results().map((match) => match.code)).toEqual(['VV-PVB-001']);
  });

  it('quotes at most 1000 characters of a long line', () => {
    const [match] = matchSignatures(lines(`${INVALID_KEY(1)} ${'padding '.repeat(500)}`));
    expect(match.evidence[0].text.length).toBeLessThanOrEqual(1001);
    expect(match.evidence[0].text.endsWith('…')).toBe(true);
  });

  it('reads markdown-wrapped and tab-indented pastes', () => {
    expect(matchSignatures(lines('`An error occurred: some backup storage locations are invalid: error getting backup store for location "default": unable to locate ObjectStore plugin named velero.io/aws`')).map((match) => match.code)).toEqual(['VV-BSL-007']);
    const table = '\t  $ velero backup get\n\t\t    NAME      STATUS       CREATED                          EXPIRES   STORAGE LOCATION   SELECTOR\n\t  daily-1   InProgress   2021-07-28 19:05:36 +0200 CEST   6d        default            <none>';
    expect(matchSignatures(lines(table)).map((match) => match.code)).toEqual(['VV-BKP-005']);
  });
});

describe('describe output', () => {
  const completedWithOperations = [
    'velero backup describe dm-1 --details',
    'Name:         dm-1',
    'Phase:  Completed',
    '',
    'Backup Item Operations:',
    '  Operation for persistentvolumeclaims app/data:',
    '    Backup Item Action Plugin:  velero.io/csi-pvc-backupper',
    '    Operation ID:               du-890610ca',
    '    Phase:                      Failed',
    '    Operation Error:            operation error',
  ].join('\n');

  it("takes the backup's phase, not the phase of one of its item operations", () => {
    expect(matchSignatures(lines(completedWithOperations))).toEqual([]);
  });

  it('reads a describe output that the paste indents as a whole', () => {
    const indented = ['    Name:         b9', '    Namespace:    velero', '', '    Phase:  PartiallyFailed', '', '    Errors:    2'].join('\n');
    const [match] = matchSignatures(lines(`$ velero backup describe b9\n${indented}`));
    expect(match).toMatchObject({ code: 'VV-BKP-002' });
    expect(match.cause).toContain('b9');
  });

  const describePod = (name: string, state: string[]) =>
    [`kubectl -n velero describe pods/${name}`, `Name:           ${name}`, 'Namespace:      velero', 'Status:         Running', 'Containers:', '  velero:', ...state].join('\n');

  it('kubectl describe pod: a container waiting in CrashLoopBackOff is not running, whatever Status says', () => {
    const [match] = matchSignatures(lines(describePod('velero-7d9c5b8f6-abcde', ['    State:          Waiting', '      Reason:       CrashLoopBackOff', '    Last State:     Terminated', '      Reason:       Error', '    Ready:          False'])));
    expect(match).toMatchObject({ code: 'VV-POD-001', item: 'dod.pods-running' });
    expect(match.cause).toContain('velero-7d9c5b8f6-abcde is CrashLoopBackOff');
    expect(match.evidence[0].text).toContain('CrashLoopBackOff');
  });

  it('kubectl describe pod: a past crash (Last State) of a running container is history, not a failure', () => {
    expect(matchSignatures(lines(describePod('velero-7d9c5b8f6-abcde', ['    State:          Running', '      Started:      Sun, 21 Jun 2020 21:54:53 +0000', '    Last State:     Terminated', '      Reason:       Error', '    Ready:          True'])))).toEqual([]);
  });

  it('kubectl describe pod of a node-agent pod fails the node agent', () => {
    const [match] = matchSignatures(lines(describePod('node-agent-x7k2p', ['    State:          Waiting', '      Reason:       ImagePullBackOff'])));
    expect(match).toMatchObject({ code: 'VV-NA-004', item: 'must.fsb-kopia' });
  });
});

describe('fill', () => {
  it('fills values, falls back to defaults and tidies the spaces an empty value leaves', () => {
    expect(fill('The backup {name|} ended {phase|Failed}.', { name: 'b1' })).toBe('The backup b1 ended Failed.');
    expect(fill('The backup {name|} ended {phase|Failed}.', {})).toBe('The backup ended Failed.');
    expect(fill('Needs {thing}.', {})).toBe('Needs <thing>.');
  });
});

describe('objectFileLinesThatMayMatch', () => {
  // A kubectl JSON List as `kubectl get -o json` prints it (4-space indentation).
  const capture = JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: 'velero' }, status: { phase: 'Unavailable', message: 'BackupStorageLocation "default" is unavailable: rpc error: code = Unknown desc = InvalidAccessKeyId: The Access Key Id you provided does not exist in our records.\n\tstatus code: 403, request id: 1' } },
        { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'daily', namespace: 'velero', labels: { app: 'x' } }, status: { phase: 'Completed' } },
      ],
    },
    null,
    4,
  );
  const lines = capture.split('\n');
  const all = (text: string, source: string): InputLine[] => text.split(/\r?\n|\r/).map((line, index) => ({ text: line, source, line: index + 1 }));

  it('yields from JSON exactly the lines that name a needle, with their own line numbers', () => {
    const found = [...objectFileLinesThatMayMatch(capture, 'json')];
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThan(lines.length / 4);
    for (const { text, line } of found) expect(text).toBe(lines[line - 1]);
    expect(found.some(({ text }) => text.includes('InvalidAccessKeyId'))).toBe(true);
  });

  it('gives the matcher the same findings as every line of a JSON capture', () => {
    const every = matchSignatures(all(capture, 'state.json'));
    const some = matchSignatures([...objectFileLinesThatMayMatch(capture, 'json')].map((entry) => ({ ...entry, source: 'state.json' })));
    expect(every.map((match) => match.code)).toContain('VV-BSL-001');
    expect(some).toEqual(every);
  });

  it('skips the deep lines of YAML but keeps what phases and names are read from', () => {
    const yaml = ['apiVersion: v1', 'items:', '- apiVersion: velero.io/v1', '  kind: Backup', '  metadata:', '    labels:', '      app: x', '    name: daily', '  spec:', '    includedNamespaces:', '    - paperless', '  status:', '    phase: PartiallyFailed', 'kind: List'].join('\n');
    const kept = [...objectFileLinesThatMayMatch(yaml, 'yaml')].map(({ line }) => line);
    expect(kept).not.toContain(7); // app: x
    expect(kept).not.toContain(11); // - paperless
    expect(kept).toEqual(expect.arrayContaining([4, 5, 8, 13]));
    const every = matchSignatures(all(yaml, 'b.yaml'));
    expect(every.map((match) => match.code)).toContain('VV-BKP-002');
    expect(matchSignatures([...objectFileLinesThatMayMatch(yaml, 'yaml')].map((entry) => ({ ...entry, source: 'b.yaml' })))).toEqual(every);
  });
});
