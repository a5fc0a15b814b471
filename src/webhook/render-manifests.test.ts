import { readFileSync } from 'node:fs';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { parsePolicy } from '../policy/parse-policy.js';
import { EMPTY_POLICY, type Policy } from '../policy/policy.js';
import { renderManifests, type RenderOutput } from './render-manifests.js';

const MANIFEST = readFileSync(
  new URL('../../test/fixtures/collectors/collector-with-ta.v1alpha1.yaml', import.meta.url),
  'utf8',
);
const CONFIG_MAP =
  'apiVersion: v1\nkind: ConfigMap # a comment that stays\nmetadata:\n  name: settings\ndata:\n  a: "1"\n';
/** The fields these tests read. */
interface Collector {
  spec: { targetAllocator: { enabled?: boolean; image?: string }; config: string };
}

const RISKY = `apiVersion: opentelemetry.io/v1alpha1
kind: OpenTelemetryCollector
metadata:
  name: risky
spec:
  mode: statefulset
  replicas: 3
  config: |
    receivers:
      prometheus:
        config:
          scrape_configs:
          - job_name: app
            static_configs:
            - targets: ['app:8080']
`;

function stringifyList(items: unknown[]): string {
  return stringify({ apiVersion: 'v1', kind: 'List', items });
}

function render(text: string, output: RenderOutput, policy: Policy = EMPTY_POLICY) {
  return renderManifests(text, {
    output,
    namespace: 'default',
    source: 'test.yaml',
    policy: () => policy,
    mutation: { allocatorImage: 'registry.example.com/otel-ta:1' },
  });
}

describe('renderManifests', () => {
  const input = `${CONFIG_MAP}---\n${MANIFEST}`;

  it('mutates collectors and passes other documents through, keeping comments', () => {
    const result = render(input, 'yaml');
    const [configMap, collector] = parseAllDocuments(result.text).map(
      (document) => document.toJS() as Collector,
    );
    expect(configMap).toEqual(parse(CONFIG_MAP));
    expect(result.text).toContain('# a comment that stays');
    expect(result.text).toContain(
      "# SigV4 signs the remote-write requests with the pod's AWS credentials.",
    );
    expect(collector!.spec.targetAllocator.image).toBe('registry.example.com/otel-ta:1');
    expect(collector!.spec.config).toContain('http_sd_configs:');
    expect(result.warnings[0]).toMatch(/^observability\/collector-with-ta: /);
  });

  it('renders exactly the object the webhook patch produces', () => {
    const [entry] = JSON.parse(render(input, 'patch').text) as {
      document: number;
      patch: Operation[];
    }[];
    expect(entry!.document).toBe(2);
    const expected = jsonPatch.applyPatch(parse(MANIFEST), entry!.patch, true, false)
      .newDocument as unknown;
    expect(parseAllDocuments(render(input, 'yaml').text)[1]!.toJS()).toEqual(expected);
    const json = JSON.parse(render(input, 'json').text) as { kind: string; items: unknown[] };
    expect(json.kind).toBe('List');
    expect(json.items[1]).toEqual(expected);
  });

  it('is idempotent: rendering the rendered manifest changes nothing', () => {
    const once = render(input, 'yaml').text;
    expect(render(once, 'yaml').text).toBe(once);
    expect(JSON.parse(render(once, 'patch').text)).toMatchObject([{ patch: [] }]);
  });

  it('renders the collectors inside a List (kubectl get -o yaml output), as kubectl apply admits each item', () => {
    const items = [parse(CONFIG_MAP) as unknown, parse(MANIFEST) as unknown];
    const list = `# exported with kubectl get -o yaml\n${stringifyList(items)}`;
    const result = render(list, 'yaml');
    const rendered = parse(result.text) as { kind: string; items: unknown[] };
    const single = parseAllDocuments(render(input, 'yaml').text).map((d) => d.toJS() as unknown);
    expect(rendered.kind).toBe('List');
    expect(rendered.items).toEqual(single);
    expect(result.text).toContain('# exported with kubectl get -o yaml');
    expect(result.warnings[0]).toMatch(/^observability\/collector-with-ta: /);
    const [entry] = JSON.parse(render(list, 'patch').text) as { name: string }[];
    expect(entry?.name).toBe('collector-with-ta');
    const enforce = parsePolicy({ rules: [{ outOfOrder: 'enforce' }] });
    expect(() => render(stringifyList([parse(RISKY) as unknown]), 'yaml', enforce)).toThrow(
      /document 1 \(default\/risky\) would be denied/,
    );
  });

  it('keeps the layout of lines the patch does not touch: flow maps on one line, unindented lists', () => {
    const manifest = `apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata: {name: flow, namespace: o}
spec:
  mode: statefulset
  targetAllocator: {enabled: true}
  config:
    receivers:
      prometheus:
        config:
          scrape_configs:
          - job_name: a
            static_configs: [{targets: ['x:1']}]
    service: {pipelines: {metrics: {receivers: [prometheus], exporters: [debug]}}}
`;
    const text = render(manifest, 'yaml').text;
    expect(text).toContain(
      '\n    service: {pipelines: {metrics: {receivers: [prometheus], exporters: [debug]}}}\n',
    );
    expect(text).toContain('\n          - job_name: a\n');
    expect(text).toMatch(/\nmetadata: \{name: flow, namespace: o, annotations: \{.*\}\}\n/);
  });

  it('prints a single document as one JSON object', () => {
    expect(JSON.parse(render(MANIFEST, 'json').text)).toMatchObject({
      kind: 'OpenTelemetryCollector',
    });
  });

  it('applies the policy: mutate enables the allocator, enforce denies with the fix', () => {
    const mutate = parsePolicy({ rules: [{ outOfOrder: 'mutate' }] });
    const rendered = parse(render(RISKY, 'yaml', mutate).text) as Collector;
    expect(rendered.spec.targetAllocator.enabled).toBe(true);
    const enforce = parsePolicy({ rules: [{ outOfOrder: 'enforce' }] });
    expect(() => render(RISKY, 'yaml', enforce)).toThrow(
      /document 1 \(default\/risky\) would be denied by the validating webhook: .*every replica scrapes every target.*Fix:/,
    );
  });

  it('denies what validation denies, and refuses input that is not YAML as a usage error', () => {
    const deployment = MANIFEST.replace('mode: statefulset', 'mode: deployment');
    expect(() => render(deployment, 'yaml')).toThrow(
      /does not support the target allocation deployment/,
    );
    let error: unknown;
    try {
      render('kind: [\n', 'yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ name: 'UsageError', code: 'RENDER_INPUT_INVALID' });
  });
});
