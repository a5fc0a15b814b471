/**
 * The RBAC the controller grants an allocator with Prometheus CR discovery, on a real API server:
 * the controller runs as its restricted identity (src/controller/rbac.yaml), so the API server's
 * escalation check proves it may grant what it grants; `kubectl auth can-i` as the allocator's
 * ServiceAccount shows what the allocator may then read, and what it may not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitted, userCollector } from './controller-fixtures.js';
import {
  applyJson,
  eventually,
  getJson,
  prepareCluster,
  startController,
  type RunningController,
} from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';
import { installPrometheusOperatorCrds } from './support/prometheus-operator-crds.js';
import { allocatorClusterRoleName } from '../../src/controller/allocator-manifests.js';

const NS = 'observability';
const NAME = 'collector-with-ta';
const ALLOCATOR = `system:serviceaccount:${NS}:${NAME}-targetallocator`;

describe('the allocator RBAC for ScrapeConfigs and Probes, granted by the controller', () => {
  let cp: ControlPlane;
  let controller: RunningController;

  beforeAll(async () => {
    cp = await startControlPlane();
    const kubeconfig = await prepareCluster(cp, [NS]);
    // can-i resolves resource names through discovery: the kinds must be served.
    await installPrometheusOperatorCrds(cp);
    controller = await startController(kubeconfig, { leaderElect: false, resyncPeriod: '10m' });
  }, 900_000);

  afterAll(async () => {
    await controller?.app.stop();
    await cp?.stop();
  });

  async function canI(verb: string, resource: string, namespace = 'shop'): Promise<boolean> {
    const r = await cp.kubectl([
      'auth',
      'can-i',
      verb,
      resource,
      '-n',
      namespace,
      '--as',
      ALLOCATOR,
    ]);
    return r.stdout.trim() === 'yes';
  }

  it('grants the selected kinds and the discovery their jobs run, and nothing for unselected kinds', async () => {
    await applyJson(
      cp,
      admitted(
        userCollector((c) => {
          c.spec.targetAllocator = {
            enabled: true,
            prometheusCR: {
              enabled: true,
              scrapeConfigSelector: {},
              probeSelector: { matchLabels: { team: 'web' } },
            },
          };
        }),
      ),
    );
    const clusterRole = allocatorClusterRoleName(NS, NAME);
    await eventually(
      'the allocator ClusterRole',
      () => getJson(cp, ['clusterrole', clusterRole]),
      60_000,
    );
    await eventually(
      'the ClusterRoleBinding to take effect',
      async () => ((await canI('list', 'scrapeconfigs.monitoring.coreos.com')) ? true : undefined),
      60_000,
    );
    expect(await canI('watch', 'probes.monitoring.coreos.com')).toBe(true);
    expect(await canI('list', 'ingresses.networking.k8s.io')).toBe(true);
    expect(await canI('list', 'endpointslices.discovery.k8s.io')).toBe(true);
    expect(await canI('get', 'configmaps', NS)).toBe(true);
    expect(await canI('get', 'secrets', NS)).toBe(true);
    // Unselected kinds, other namespaces' Secrets, namespace labels (no namespace selector): no.
    expect(await canI('list', 'servicemonitors.monitoring.coreos.com')).toBe(false);
    expect(await canI('list', 'podmonitors.monitoring.coreos.com')).toBe(false);
    expect(await canI('get', 'secrets', 'shop')).toBe(false);
    expect(await canI('list', 'namespaces')).toBe(false);
    expect(await canI('create', 'scrapeconfigs.monitoring.coreos.com')).toBe(false);
  }, 180_000);
});
