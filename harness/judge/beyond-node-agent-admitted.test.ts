import { describe, expect, it } from 'vitest';
import { Capture } from '../../fixtures/snapshots/capture.ts';
import type { Obj } from '../../fixtures/snapshots/homelab/metadata.ts';
import { contextOf } from '../../fixtures/snapshots/load.ts';
import { chartReference } from '../collect/chart-reference.ts';
import { renderFromValues } from '../collect/chart-render.ts';
import { mergeValues } from '../collect/chart-values.ts';
import { defaultPlan } from '../plan.ts';
import { buildState } from '../collect/objects.ts';
import { collectSnapshot } from '../targets/snapshot.ts';
import { judgeNodeAgentAdmitted } from './beyond-node-agent-admitted.ts';
import { judgeItem } from './index.ts';

const ENFORCE = 'pod-security.kubernetes.io/enforce';

function withEnforce(level: string | undefined): Capture {
  const capture = Capture.healthy();
  const labels = capture.find('Namespace', 'velero').metadata.labels;
  if (level === undefined) delete labels[ENFORCE];
  else labels[ENFORCE] = level;
  return capture;
}

/** The FailedCreate event the DaemonSet controller records (message from a real report, docs/velero-facts.md). */
function refusalEvent(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'node-agent.18a1b2c3d4e5f6a7', namespace: 'velero', uid: 'c0ffee00-0000-4000-8000-000000000001', creationTimestamp: '2026-11-25T02:00:00Z' },
    involvedObject: { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-agent', namespace: 'velero' },
    reason: 'FailedCreate',
    type: 'Warning',
    message: 'Error creating: pods "node-agent-rf29v" is forbidden: violates PodSecurity "baseline:v1.32": hostPath volumes (volumes "host-pods", "host-plugins")',
  };
}

describe('beyond.node-agent-admitted', () => {
  it('passes when the Velero namespace enforces privileged', () => {
    const finding = judgeNodeAgentAdmitted(contextOf(Capture.healthy()));
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('Namespace velero enforces Pod Security "privileged": the node agent\'s pods are admitted');
    expect(finding.evidence).toContain('DaemonSet velero/node-agent: needs the privileged level: hostPath volumes (host-pods, host-plugins)');
  });

  it.each(['baseline', 'restricted'])('fails when the namespace enforces %s: the hostPath volumes are refused, and the running pods are living on borrowed time', (level) => {
    const finding = judgeNodeAgentAdmitted(contextOf(withEnforce(level)));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toMatch(new RegExp(`^Namespace velero enforces Pod Security "${level}", which forbids the node agent's hostPath volumes \\(host-pods, host-plugins\\): the API server refuses its pods\\.`));
    expect(finding.summary).toMatch(/ready pod\(s\) were created before the label and keep running; the next pod it needs .* is refused/);
    expect(finding.remediation).toContain('namespace.labels: {pod-security.kubernetes.io/enforce: privileged}');
  });

  it('fails on the API server\'s refusal events, whatever the labels shown', () => {
    const capture = withEnforce(undefined).add(refusalEvent());
    const finding = judgeNodeAgentAdmitted(contextOf(capture));
    expect(finding.status).toBe('fail');
    expect(finding.summary).toBe('Pod Security admission refuses the node agent\'s pods: Error creating: pods "node-agent-rf29v" is forbidden: violates PodSecurity "baseline:v1.32": hostPath volumes (volumes "host-pods", "host-plugins")');
  });

  it('passes without an enforce label when every node-agent pod is ready (they were admitted), with a warning', () => {
    const finding = judgeNodeAgentAdmitted(contextOf(withEnforce(undefined)));
    expect(finding.status).toBe('pass');
    expect(finding.summary).toMatch(/^The node agent's pods were admitted \(\d+\/\d+ ready\) under the cluster's default Pod Security level$/);
    expect(finding.warnings?.[0]).toMatch(/sets no pod-security.kubernetes.io\/enforce label/);
  });

  it('is not shown without an enforce label when the pods are not all ready: the cluster default decides, and no input shows it', () => {
    const capture = withEnforce(undefined);
    capture.find('DaemonSet', 'node-agent').status.numberReady = 0;
    const finding = judgeNodeAgentAdmitted(contextOf(capture));
    expect(finding.status).toBe('skip');
    expect(finding.summary).toBe('Not shown: namespace velero sets no pod-security.kubernetes.io/enforce label, so the cluster\'s default Pod Security level decides whether the node agent\'s hostPath volumes are admitted, and the input does not show it.');
  });

  it('is not shown when neither the Namespace nor a refusal is in the input (never a pass on absent evidence)', () => {
    const capture = Capture.healthy().remove((object) => object.kind === 'Namespace');
    capture.find('DaemonSet', 'node-agent').status = undefined;
    const finding = judgeNodeAgentAdmitted(contextOf(capture));
    expect(finding.status).toBe('skip');
    expect(finding.summary).toMatch(/^Not shown: no Namespace velero is in the input/);
  });

  it('passes under restricted when the node agent asks for nothing baseline forbids', () => {
    const capture = withEnforce('restricted');
    capture.find('DaemonSet', 'node-agent').spec.template.spec.volumes = [];
    const finding = judgeNodeAgentAdmitted(contextOf(capture));
    expect(finding.status).toBe('pass');
    expect(finding.summary).toBe('Namespace velero enforces restricted, and the node agent asks for nothing it forbids');
  });

  it('is not expected when the plan does not deploy the node agent', () => {
    const finding = judgeNodeAgentAdmitted(contextOf(withEnforce('baseline'), { plan: { deployNodeAgent: false } }));
    expect(finding.status).toBe('skip');
    expect(finding.summary).toBe('The plan sets deployNodeAgent: false, so the node agent is not expected.');
  });

  describe('from Helm values: the chart\'s label-namespace hook Job sets the level', () => {
    const chart = chartReference();
    const judgeValues = (given: Record<string, unknown>) => {
      const values = mergeValues(chart.defaults, { deployNodeAgent: true, ...given });
      const { objects } = renderFromValues(values, { namespace: 'velero', release: 'velero', chart });
      const plan = defaultPlan();
      return judgeNodeAgentAdmitted({ state: buildState(objects, { source: { target: 'manifests', description: 'values' }, namespace: 'velero' }), plan, target: 'manifests', now: new Date('2026-11-25T12:00:00Z') });
    };

    it('passes with namespace.labels enforce: privileged', () => {
      const finding = judgeValues({ namespace: { labels: { [ENFORCE]: 'privileged' } } });
      expect(finding.status).toBe('pass');
      expect(finding.evidence).toContain('Job velero-label-namespace (the chart\'s label-namespace hook) labels namespace velero pod-security.kubernetes.io/enforce=privileged');
    });

    it('fails with namespace.labels enforce: baseline', () => {
      const finding = judgeValues({ namespace: { labels: { [ENFORCE]: 'baseline' } } });
      expect(finding.status).toBe('fail');
      expect(finding.summary).toMatch(/^Namespace velero enforces Pod Security "baseline", which forbids the node agent's hostPath volumes \(host-pods, host-plugins\)/);
    });

    it('is not shown with the chart default (no namespace labels): the chart renders no Namespace', () => {
      const finding = judgeValues({});
      expect(finding.status).toBe('skip');
      expect(finding.summary).toMatch(/^Not shown: no Namespace velero is in the input/);
    });
  });

  it('fails a pasted `kubectl describe ds` whose events show the refusal, with the signature and the quoted line', async () => {
    const paste = [
      '$ kubectl -n velero describe ds node-agent',
      'Name:           node-agent',
      'Desired Number of Nodes Scheduled: 3',
      'Current Number of Nodes Scheduled: 0',
      'Events:',
      '  Type     Reason        Age   From                  Message',
      '  ----     ------        ----  ----                  -------',
      `  Warning  FailedCreate  8s    daemonset-controller  ${refusalEvent().message}`,
    ].join('\n');
    const plan = defaultPlan();
    const state = await collectSnapshot('-', plan, { stdinText: paste, label: 'paste' });
    const finding = judgeItem('beyond.node-agent-admitted', { state, plan, target: 'snapshot', now: new Date('2026-11-25T12:00:00Z') });
    expect(finding.status).toBe('fail');
    expect(finding.code).toBe('VV-NA-005');
    expect(finding.cause).toBe('Pod Security admission refuses the node agent\'s pod node-agent-rf29v: the namespace enforces baseline, which forbids hostPath volumes (volumes "host-pods", "host-plugins").');
    expect(finding.quotes?.[0]).toMatchObject({ source: '(standard input)', line: 8 });
  });
});
