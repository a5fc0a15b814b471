/**
 * What a cluster admin meets over a collector's life, beyond one running controller: a collector
 * deleted while no controller runs (an upgrade, a crash loop), and a collector whose allocator
 * configuration carries warnings, reconciled at every resync.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Annotations } from '../../src/collector/annotations.js';
import { admitted, userCollector } from './controller-fixtures.js';
import {
  applyJson,
  eventually,
  getJson,
  kubectlOk,
  prepareCluster,
  startController,
  type RunningController,
} from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';

const NS = 'review-lifecycle';

interface EventList {
  items: { reason: string; message: string; involvedObject: { name: string } }[];
}

describe('otel-ta controller over a collector lifecycle, on a real API server', () => {
  let cp: ControlPlane;
  let kubeconfig: string;
  let controller: RunningController | undefined;

  beforeAll(async () => {
    cp = await startControlPlane();
    kubeconfig = await prepareCluster(cp, [NS]);
  }, 900_000);

  afterEach(async () => {
    await controller?.app.stop();
    controller = undefined;
  });

  afterAll(async () => {
    await cp?.stop();
  });

  // The long name makes `<namespace>.<name>` longer than a label value (63 characters).
  it.each([
    ['cluster-wide', 'cluster-wide-targetallocator'],
    [
      'cluster-wide-collector-for-the-payments-team-eu-west-1',
      'cluster-wide-collector-for-the-payments-team-eu-targetallocator',
    ],
  ])(
    'a collector (%s) deleted while no controller ran loses its ClusterRole and ClusterRoleBinding when a controller starts',
    async (name, allocator) => {
      const clusterName = `otel-ta:${NS}:${allocator}`;
      // Kubernetes discovery in every namespace: the allocator gets a ClusterRole and its binding,
      // which (cluster-scoped) cannot carry an owner reference to the collector.
      const collector = admitted(
        userCollector((c) => {
          c.metadata.name = name;
          c.metadata.namespace = NS;
          c.spec.config.receivers.prometheus.config.scrape_configs = [
            { job_name: 'pods', kubernetes_sd_configs: [{ role: 'pod' }] },
          ];
        }),
      );
      controller = await startController(kubeconfig, { resyncPeriod: '10m' });
      await applyJson(cp, collector);
      await eventually('the allocator ClusterRoleBinding', () =>
        getJson(cp, ['clusterrolebinding', clusterName]),
      );
      await eventually('the allocator ClusterRole', () =>
        getJson(cp, ['clusterrole', clusterName]),
      );
      await eventually('the allocator Deployment', () =>
        getJson(cp, ['deployment', allocator, '-n', NS]),
      );

      await controller.app.stop();
      controller = undefined;
      await kubectlOk(cp, ['delete', 'otelcol', name, '-n', NS, '--wait=true']);

      // A new controller process: it never saw the collector, nor its deletion.
      controller = await startController(kubeconfig, { resyncPeriod: '10m' });
      await eventually(
        'the orphaned ClusterRoleBinding deleted',
        async () => (await getJson(cp, ['clusterrolebinding', clusterName])) === undefined,
      );
      await eventually(
        'the orphaned ClusterRole deleted',
        async () => (await getJson(cp, ['clusterrole', clusterName])) === undefined,
      );
    },
  );

  it('records each allocator configuration warning once, not again at every resync', async () => {
    const name = 'tampered-stash';
    const collector = admitted(
      userCollector((c) => {
        c.metadata.name = name;
        c.metadata.namespace = NS;
      }),
    ) as { metadata: { annotations: Record<string, string> } };
    // A hand edit of the stash that no longer matches its hash: two warnings (the invalid stash,
    // and an allocator with no scrape configs).
    collector.metadata.annotations[Annotations.originalScrapeConfigsHash] = 'edited-by-hand';
    controller = await startController(kubeconfig, { resyncPeriod: '1s' });
    await applyJson(cp, collector);

    const warnings = async (): Promise<EventList['items']> => {
      const list = await getJson<EventList>(cp, ['events', '-n', NS]);
      return (list?.items ?? []).filter(
        (e) => e.involvedObject.name === name && e.reason === 'AllocatorConfig',
      );
    };
    await eventually('the Applied event', async () => {
      const list = await getJson<EventList>(cp, ['events', '-n', NS]);
      return list?.items.some((e) => e.involvedObject.name === name && e.reason === 'Applied');
    });
    // Five resyncs later.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const recorded = await warnings();
    expect(new Set(recorded.map((e) => e.message)).size).toBe(2);
    expect(recorded).toHaveLength(2);
  });
});
