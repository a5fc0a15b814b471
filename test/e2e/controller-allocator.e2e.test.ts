import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { admitted, userCollector } from './controller-fixtures.js';
import type { JsonObject } from '../../src/collector/json-value.js';
import {
  applyJson,
  CONTROLLER_NAMESPACE,
  CONTROLLER_USER,
  eventually,
  getJson,
  kubectlOk,
  prepareCluster,
  startController,
  type RunningController,
} from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';
import { freePort } from './support/processes.js';
import { CONFIG_HASH_ANNOTATION as HASH_ANNOTATION } from '../../src/controller/labels.js';

const NS = 'observability';
const TA = 'collector-with-ta-targetallocator';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

interface Obj {
  metadata: { labels?: Record<string, string>; ownerReferences?: { name: string; uid: string }[] };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
  rules?: unknown[];
  subjects?: unknown[];
}

type PodTemplateDeployment = Obj & {
  spec: {
    template: {
      metadata: { annotations: Record<string, string> };
      spec: { containers: { args: string[]; image: string }[]; serviceAccountName: string };
    };
  };
};

describe('otel-ta controller on a real API server, as a restricted identity', () => {
  let cp: ControlPlane;
  let controller: RunningController;
  let kubeconfig: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    kubeconfig = await prepareCluster(cp, [NS]);
    // A resync far beyond the test's waits: repairs below come from watching owned objects.
    controller = await startController(kubeconfig, { leaderElect: true, resyncPeriod: '10m' });
  }, 900_000);

  afterAll(async () => {
    await controller?.app.stop();
    await cp?.stop();
  });

  it('creates the allocator ConfigMap, Deployment, Service, ServiceAccount, RBAC and PDB', async () => {
    await applyJson(cp, admitted(userCollector()));
    const collector = await getJson<{ metadata: { uid: string } }>(cp, [
      'otelcol',
      'collector-with-ta',
      '-n',
      NS,
    ]);

    const cm = await eventually('the allocator ConfigMap', () =>
      getJson<Obj>(cp, ['configmap', TA, '-n', NS]),
    );
    const config = parse(cm.data!['targetallocator.yaml']!) as Record<string, unknown>;
    expect(config).toEqual({
      collector_namespace: NS,
      collector_selector: {
        matchLabels: {
          'app.kubernetes.io/component': 'opentelemetry-collector',
          'app.kubernetes.io/instance': `${NS}.collector-with-ta`,
          'app.kubernetes.io/managed-by': 'opentelemetry-operator',
          'app.kubernetes.io/part-of': 'opentelemetry',
        },
      },
      config: {
        scrape_configs: [
          {
            job_name: 'otel-collector',
            scrape_interval: '10s',
            static_configs: [{ targets: ['0.0.0.0:8888'] }],
            metric_relabel_configs: [
              { action: 'labeldrop', regex: '(id|name)', replacement: '$1' },
            ],
          },
        ],
      },
      allocation_strategy: 'consistent-hashing',
      filter_strategy: 'relabel-config',
      collector_refresh_interval: '10s',
    });
    expect(cm.metadata.ownerReferences).toEqual([
      expect.objectContaining({ name: 'collector-with-ta', uid: collector!.metadata.uid }),
    ]);

    const deployment = await eventually('the allocator Deployment', () =>
      getJson<PodTemplateDeployment>(cp, ['deployment', TA, '-n', NS]),
    );
    expect(deployment.spec.template.spec.containers[0]!.args).toEqual([
      'allocator',
      '--config-file',
      '/conf/targetallocator.yaml',
    ]);
    expect(deployment.spec.template.spec.serviceAccountName).toBe(TA);
    expect(deployment.spec.template.metadata.annotations[HASH_ANNOTATION]).toMatch(
      /^[0-9a-f]{64}$/,
    );

    const service = await eventually('the Service', () =>
      getJson<Obj>(cp, ['service', TA, '-n', NS]),
    );
    expect(service.spec?.ports).toEqual([
      { name: 'targetallocation', port: 80, targetPort: 'http', protocol: 'TCP' },
    ]);
    await eventually('the ServiceAccount', () => getJson(cp, ['serviceaccount', TA, '-n', NS]));
    const role = await eventually('the Role', () => getJson<Obj>(cp, ['role', TA, '-n', NS]));
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = await eventually('the RoleBinding', () =>
      getJson<Obj>(cp, ['rolebinding', TA, '-n', NS]),
    );
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: TA, namespace: NS }]);
    const pdb = await eventually('the PDB', () => getJson<Obj>(cp, ['pdb', TA, '-n', NS]));
    expect(pdb.spec?.maxUnavailable).toBe(1);

    const events = await eventually('an Applied event on the collector', async () => {
      const list = await getJson<{ items: { reason: string; message: string }[] }>(cp, [
        'events',
        '-n',
        NS,
        '--field-selector',
        'involvedObject.name=collector-with-ta',
      ]);
      return list?.items.find((e) => e.reason === 'Applied');
    });
    expect(events.message).toContain(`Deployment/${TA}`);
    const durations = controller.logs
      .filter((l) => l.msg === 'reconciled' && l.collector === `${NS}/collector-with-ta`)
      .map((l) => Number(l.ms));
    console.info(JSON.stringify({ firstReconcileMs: durations[0], reconciles: durations.length }));
  });

  it('a changed scrape job updates the ConfigMap and rolls the Deployment', async () => {
    const before = await getJson<PodTemplateDeployment>(cp, ['deployment', TA, '-n', NS]);
    const oldHash = before!.spec.template.metadata.annotations[HASH_ANNOTATION];
    await applyJson(
      cp,
      admitted(
        userCollector((c) => {
          c.spec.config.receivers.prometheus.config.scrape_configs[0]!.scrape_interval = '30s';
        }),
      ),
    );
    await eventually('the ConfigMap with the new interval', async () => {
      const cm = await getJson<Obj>(cp, ['configmap', TA, '-n', NS]);
      return cm?.data?.['targetallocator.yaml']?.includes('scrape_interval: 30s');
    });
    const after = await eventually('a new pod-template hash', async () => {
      const d = await getJson<PodTemplateDeployment>(cp, ['deployment', TA, '-n', NS]);
      const hash = d?.spec.template.metadata.annotations[HASH_ANNOTATION];
      return hash !== oldHash ? hash : undefined;
    });
    expect(after).toMatch(/^[0-9a-f]{64}$/);
    await eventually('a second Applied event, for the new revision', async () => {
      const list = await getJson<{ items: { reason: string }[] }>(cp, [
        'events',
        '-n',
        NS,
        '--field-selector',
        'involvedObject.name=collector-with-ta',
      ]);
      return (list?.items.filter((e) => e.reason === 'Applied').length ?? 0) >= 2;
    });
  });

  it('recreates an allocator object deleted behind its back, without waiting for a resync', async () => {
    await kubectlOk(cp, ['delete', 'service', TA, '-n', NS]);
    await eventually('the Service again', () => getJson(cp, ['service', TA, '-n', NS]), 20_000);
  });

  it('an allocator with Prometheus CR discovery reads Secrets through otel-ta-allocator-secrets; the controller reads none outside its namespace', async () => {
    const name = 'cr-collector';
    const allocator = `system:serviceaccount:${NS}:${name}-targetallocator`;
    const canI = async (user: string, verb: string, namespace: string): Promise<string> => {
      const r = await cp.kubectl(['auth', 'can-i', verb, 'secrets', '-n', namespace, '--as', user]);
      return r.stdout.trim();
    };
    const withCr = (secretNamespaces?: string[]): JsonObject =>
      admitted(
        userCollector((c) => {
          c.metadata.name = name;
          c.spec.targetAllocator.prometheusCR = {
            enabled: true,
            // A null selector selects nothing, and then no Secrets are needed.
            serviceMonitorSelector: {},
            ...(secretNamespaces === undefined ? {} : { secretNamespaces }),
          };
        }),
      );
    await applyJson(cp, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    // The deploy RBAC (src/controller/rbac.yaml, the same as deploy/base) gives the controller
    // Secrets in its own namespace only.
    expect(await canI(CONTROLLER_USER, 'list', NS)).toBe('no');
    expect(await canI(CONTROLLER_USER, 'get', CONTROLLER_NAMESPACE)).toBe('yes');

    await applyJson(cp, withCr());
    const binding = await eventually('the allocator Secrets RoleBinding', () =>
      getJson<Obj & { roleRef: { name: string } }>(cp, [
        'rolebinding',
        `${name}-targetallocator-secrets`,
        '-n',
        NS,
      ]),
    );
    expect(binding.roleRef.name).toBe('otel-ta-allocator-secrets');
    expect(await canI(allocator, 'list', NS)).toBe('yes');
    expect(await canI(allocator, 'list', 'shop')).toBe('no');

    // secretNamespaces naming another namespace: one ClusterRoleBinding instead of the RoleBinding.
    await applyJson(cp, withCr(['shop']));
    const clusterBinding = `otel-ta:${NS}:${name}-targetallocator:secrets`;
    await eventually('the allocator Secrets ClusterRoleBinding', () =>
      getJson(cp, ['clusterrolebinding', clusterBinding]),
    );
    await eventually(
      'the namespaced Secrets RoleBinding pruned',
      async () =>
        (await getJson(cp, ['rolebinding', `${name}-targetallocator-secrets`, '-n', NS])) ===
        undefined,
    );
    expect(await canI(allocator, 'list', 'shop')).toBe('yes');
    expect(await canI(CONTROLLER_USER, 'list', 'shop')).toBe('no');

    await kubectlOk(cp, ['delete', 'otelcol', name, '-n', NS]);
    await eventually(
      'the Secrets ClusterRoleBinding deleted with its collector',
      async () => (await getJson(cp, ['clusterrolebinding', clusterBinding])) === undefined,
    );
  });

  it('disabling the allocator removes everything it created', async () => {
    await applyJson(cp, admitted(userCollector((c) => (c.spec.targetAllocator.enabled = false))));
    for (const kind of [
      'configmap',
      'deployment',
      'service',
      'serviceaccount',
      'role',
      'rolebinding',
      'pdb',
    ]) {
      await eventually(
        `${kind} ${TA} deleted`,
        async () => (await getJson(cp, [kind, TA, '-n', NS])) === undefined,
      );
    }
    const collector = await getJson(cp, ['otelcol', 'collector-with-ta', '-n', NS]);
    expect(collector).toBeDefined();
  });

  it('leaves a same-named object it did not create alone', async () => {
    await applyJson(cp, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: TA, namespace: NS },
      data: { mine: 'yes' },
    });
    const reconciles = (): number =>
      controller.logs.filter(
        (l) => l.msg === 'reconciled' && l.collector === `${NS}/collector-with-ta`,
      ).length;
    const before = reconciles();
    // A collector change makes the controller reconcile (and prune) this collector again.
    await applyJson(
      cp,
      admitted(
        userCollector((c) => {
          c.spec.targetAllocator.enabled = false;
          c.metadata.annotations = { 'e2e.otel-ta.dev/touch': '1' };
        }),
      ),
    );
    await eventually('a reconcile of the touched collector', () =>
      Promise.resolve(reconciles() > before),
    );
    const cm = await getJson<Obj>(cp, ['configmap', TA, '-n', NS]);
    expect(cm?.data).toEqual({ mine: 'yes' });
    await kubectlOk(cp, ['delete', 'configmap', TA, '-n', NS]);
  });

  it('an object the API server rejects becomes a Warning event on the collector, retried with backoff', async () => {
    await applyJson(cp, admitted(userCollector((c) => (c.spec.targetAllocator.replicas = -1))));
    const failed = await eventually('a ReconcileFailed event', async () => {
      const list = await getJson<{ items: { reason: string; type: string; message: string }[] }>(
        cp,
        ['events', '-n', NS, '--field-selector', 'involvedObject.name=collector-with-ta'],
      );
      return list?.items.find((e) => e.reason === 'ReconcileFailed');
    });
    expect(failed.type).toBe('Warning');
    expect(failed.message).toContain('replicas');
    await eventually('a retry', () =>
      Promise.resolve(
        controller.logs.filter((l) => l.msg === 'reconcile failed, retrying after backoff')
          .length >= 2,
      ),
    );
    await applyJson(cp, admitted(userCollector((c) => (c.spec.targetAllocator.enabled = false))));
  });

  it('the otel-ta controller command runs as that identity and on SIGTERM exits 0, releasing its lease', async () => {
    await applyJson(cp, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cli' } });
    const healthPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'controller',
        '--kubeconfig',
        kubeconfig,
        '--namespace',
        'cli',
        '--leader-elect',
        '--leader-election-id',
        'cli-lease',
        '--leader-election-namespace',
        CONTROLLER_NAMESPACE,
        '--health-addr',
        `127.0.0.1:${healthPort}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const holder = async (): Promise<string | undefined> =>
      (
        await getJson<{ spec: { holderIdentity?: string } }>(cp, [
          'lease',
          'cli-lease',
          '-n',
          CONTROLLER_NAMESPACE,
        ])
      )?.spec.holderIdentity;
    try {
      await eventually(
        'the CLI to take its lease',
        async () => ((await holder()) ?? '') !== '',
        60_000,
      );
      expect(output).toContain('"msg":"controller started"');
      const base = `http://127.0.0.1:${healthPort}`;
      await eventually('/readyz 200', async () => (await fetch(`${base}/readyz`)).status === 200);
      expect(await (await fetch(`${base}/metrics`)).text()).toContain(
        'otel_ta_controller_leader 1',
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(await holder()).toBe('');
  });

  it('the otel-ta controller command exits 2 on a bad flag value', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', CLI, 'controller', '--workers', '0'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--workers must be a whole number');
  });
});
