/**
 * One source of truth (docs/adr/0008-helm-chart-beside-kustomize.md): the Helm chart in
 * deploy/helm/otel-ta must render, for each installation mode, the objects `kubectl kustomize`
 * renders for the matching overlay. Both are rendered by the real tools (helm from its Go module,
 * the control plane's kubectl) and compared field by field; a failure names each differing object
 * and field. Also: the chart's values schema refuses wrong values by name, its README lists every
 * value, and `helm lint --strict` passes in every mode. No API server is needed.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parsePolicy } from '../../src/policy/parse-policy.js';
import { buildOverlay, type KubeObject } from './harness/cluster-manifests.js';
import { controlPlaneKubectl } from './harness/control-plane.js';
import { CHART_DIR, helm, renderChart } from './harness/helm.js';
import { manifestDifferences } from './support/manifest-diff.js';

const NAMESPACE = 'otel-ta-system';
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Each kustomize overlay and the chart values that select the same installation. */
const MODES = [
  { overlay: 'standalone', values: {} },
  { overlay: 'with-upstream-operator', values: { mode: 'with-upstream-operator' } },
  { overlay: 'cert-manager', values: { 'certManager.enabled': 'true' } },
] as const;

const overlayDir = (name: string): string =>
  fileURLToPath(new URL(`../../deploy/overlays/${name}`, import.meta.url));

const KEEP_ANNOTATION = 'helm.sh/resource-policy';

/**
 * The two deliberate differences, and nothing else: the chart's CRD carries Helm's `keep` policy
 * (meaningless to kubectl), and the policy ConfigMap's text is compared as the YAML it holds, since
 * the chart renders it from values (the kustomize file's comments are not part of the policy).
 */
function comparable(objects: readonly KubeObject[]): KubeObject[] {
  return objects.map((original) => {
    const o = structuredClone(original);
    const annotations = o.metadata.annotations;
    if (o.kind === 'CustomResourceDefinition' && annotations !== undefined) {
      delete annotations[KEEP_ANNOTATION];
      if (Object.keys(annotations).length === 0) delete o.metadata.annotations;
    }
    if (o.kind === 'ConfigMap' && o.metadata.name === 'otel-ta-policy') {
      const data = o['data'] as Record<string, string>;
      o['data'] = { ...data, 'policy.yaml': parse(data['policy.yaml'] ?? '') as unknown };
    }
    return o;
  });
}

describe('the Helm chart renders the kustomize install', () => {
  beforeAll(async () => {
    // Puts the control plane's kubectl first on PATH, where buildOverlay runs it.
    await controlPlaneKubectl();
  }, 900_000);

  it.each(MODES)(
    'helm template with $values renders the objects of kubectl kustomize deploy/overlays/$overlay',
    async ({ overlay, values }) => {
      const kustomized = comparable(await buildOverlay(overlayDir(overlay)));
      const chart = comparable(await renderChart(NAMESPACE, values));
      const differences = manifestDifferences(kustomized, chart, {
        expected: 'kustomize',
        actual: 'chart',
      });
      expect(
        differences,
        `deploy/helm/otel-ta and deploy/overlays/${overlay} drifted apart; change the other side too:\n` +
          differences.join('\n'),
      ).toEqual([]);
    },
  );

  it('keeps the CRD on uninstall in the modes that install it, and installs none with the upstream operator', async () => {
    const crd = (objects: KubeObject[]): KubeObject | undefined =>
      objects.find((o) => o.kind === 'CustomResourceDefinition');
    const withCrd: Record<string, string>[] = [{}, { 'certManager.enabled': 'true' }];
    for (const values of withCrd) {
      const annotations = crd(await renderChart(NAMESPACE, values))?.metadata.annotations;
      expect(annotations?.[KEEP_ANNOTATION]).toBe('keep');
    }
    expect(crd(await renderChart(NAMESPACE, { mode: 'with-upstream-operator' }))).toBeUndefined();
  });

  it('renders with no values and no namespace (CI and Argo CD pre-render), taking over no built-in namespace', async () => {
    const r = await helm(['template', CHART_DIR]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kind: Deployment');
    expect(r.stdout).not.toContain('kind: Namespace');
  });

  it.each(MODES)('helm lint --strict passes with $values', async ({ values }) => {
    const sets = Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
    const r = await helm(['lint', '--strict', CHART_DIR, '--namespace', NAMESPACE, ...sets]);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  it.each([
    [
      'webhook.failurePolicy=Fial',
      "at '/webhook/failurePolicy': value must be one of 'Fail', 'Ignore'",
    ],
    ['replicas=0', "at '/replicas': minimum: got 0, want 1"],
    ['mode=upstream', "at '/mode': value must be one of 'standalone', 'with-upstream-operator'"],
    ['webhook.timeoutSeconds=60', "at '/webhook/timeoutSeconds': maximum: got 60, want 30"],
    ['webhok.failurePolicy=Ignore', "additional properties 'webhok' not allowed"],
    [
      'policy.rules[0].outOfOrder=deny',
      "at '/policy/rules/0/outOfOrder': value must be one of 'mutate', 'warn', 'enforce', 'ignore'",
    ],
    ['podDisruptionBudget.minAvailable=half', "at '/podDisruptionBudget/minAvailable'"],
    [
      'replicas=1',
      'podDisruptionBudget.minAvailable (1) must be below replicas (1): otherwise no node drain can ever evict a webhook pod',
    ],
    ['allocator.collectorRefreshInterval=10m', "at '/allocator/collectorRefreshInterval'"],
    [
      'allocator.allocationStrategy=per-node',
      "at '/allocator/allocationStrategy': value must be one of 'consistent-hashing', 'least-weighted'",
    ],
  ])('refuses --set %s, naming the value', async (set, message) => {
    const r = await helm([
      'template',
      'otel-ta',
      CHART_DIR,
      '--namespace',
      NAMESPACE,
      '--set',
      set,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });

  it("the chart's default policy is one the webhook accepts", async () => {
    const configMap = (await renderChart(NAMESPACE)).find((o) => o.kind === 'ConfigMap');
    const text = (configMap?.['data'] as Record<string, string>)['policy.yaml'] ?? '';
    expect(parsePolicy(parse(text)).rules.map((r) => [r.name, r.outOfOrder])).toEqual([
      ['default', 'warn'],
    ]);
  });

  it('the Argo CD Applications of docs/gitops.md render: the chart with their values, the overlay at their path', async () => {
    const docs = readFileSync(join(REPO, 'docs', 'gitops.md'), 'utf8');
    const apps = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .flatMap((m) => parseAllDocuments(m[1] ?? '').map((d) => d.toJS() as unknown))
      .filter((o): o is ArgoApplication => (o as ArgoApplication | null)?.kind === 'Application');
    const helmApp = apps.find((a) => a.spec.source.helm !== undefined);
    const kustomizeApp = apps.find((a) => a.spec.source.kustomize !== undefined);
    if (!helmApp || !kustomizeApp) throw new Error('docs/gitops.md lost an Argo CD Application');

    const valuesFile = join(await mkdtemp(join(tmpdir(), 'otel-ta-argocd-')), 'values.yaml');
    await writeFile(valuesFile, JSON.stringify(helmApp.spec.source.helm?.valuesObject ?? {}));
    const rendered = await helm([
      'template',
      helmApp.spec.source.helm?.releaseName ?? 'otel-ta',
      join(REPO, helmApp.spec.source.path),
      '--namespace',
      helmApp.spec.destination.namespace,
      '-f',
      valuesFile,
    ]);
    expect(rendered.stderr).toBe('');
    expect(rendered.stdout).toContain('image: registry.example.com/otel-ta:0.1.0');
    const overlay = await buildOverlay(join(REPO, kustomizeApp.spec.source.path));
    expect(overlay.some((o) => o.kind === 'Deployment')).toBe(true);
  });

  it("the chart's README documents every value of the schema", () => {
    const schema = JSON.parse(
      readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8'),
    ) as Schema;
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const missing = valuePaths(schema).filter((path) => !readme.includes(`\`${path}\``));
    expect(missing, `add these values to deploy/helm/otel-ta/README.md`).toEqual([]);
  });
});

interface ArgoApplication {
  kind: 'Application';
  spec: {
    source: {
      path: string;
      helm?: { releaseName?: string; valuesObject?: unknown };
      kustomize?: unknown;
    };
    destination: { namespace: string };
  };
}

interface Schema {
  properties?: Record<string, Schema>;
}

/** `mode`, `webhook.failurePolicy`, ...: the leaves of the schema's nested objects. */
function valuePaths(schema: Schema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, sub]) =>
    sub.properties === undefined || key === 'policy'
      ? [`${prefix}${key}`]
      : valuePaths(sub, `${prefix}${key}.`),
  );
}
