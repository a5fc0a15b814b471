import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitted, userCollector } from './controller-fixtures.js';
import {
  applyJson,
  CONTROLLER_NAMESPACE,
  eventually,
  getJson,
  kubectlOk,
  prepareCluster,
  startController,
  type RunningController,
} from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';

const NS = 'observability';
const TA = 'collector-with-ta-targetallocator';
const LEASE_DURATION_MS = 4_000;
const RENEW_DEADLINE_MS = 3_000;

const applied = (c: RunningController): number =>
  c.logs.filter((l) => l.msg === 'applied objects').length;

describe('two controllers with leader election', () => {
  let cp: ControlPlane;
  let a: RunningController;
  let b: RunningController;
  let kubeconfig: string;

  beforeAll(async () => {
    cp = await startControlPlane();
    kubeconfig = await prepareCluster(cp, [NS]);
    a = await startController(kubeconfig, { leaderElect: true, leaderElectionId: 'e2e-lease' });
    b = await startController(kubeconfig, { leaderElect: true, leaderElectionId: 'e2e-lease' });
  }, 900_000);

  afterAll(async () => {
    await a?.app.stop();
    await b?.app.stop();
    await cp?.stop();
  });

  it('exactly one becomes leader, and only the leader writes', async () => {
    await eventually('a leader', () => Promise.resolve(a.app.isLeader || b.app.isLeader));
    expect([a.app.isLeader, b.app.isLeader].filter(Boolean)).toHaveLength(1);
    const [leader, follower] = a.app.isLeader ? [a, b] : [b, a];

    await applyJson(cp, admitted(userCollector()));
    await eventually('the allocator Deployment', () => getJson(cp, ['deployment', TA, '-n', NS]));
    await new Promise((r) => setTimeout(r, 3_500)); // a resync on both
    expect(applied(leader)).toBeGreaterThan(0);
    expect(applied(follower)).toBe(0);

    const lease = await getJson<{ spec: { holderIdentity: string } }>(cp, [
      'lease',
      'e2e-lease',
      '-n',
      CONTROLLER_NAMESPACE,
    ]);
    expect(lease?.spec.holderIdentity).toMatch(/^e2e_[0-9a-f]{8}$/);
  });

  it('stopping the leader hands over within the lease duration, and the new leader reconciles', async () => {
    const [leader, follower] = a.app.isLeader ? [a, b] : [b, a];
    const stoppedAt = Date.now();
    await leader.app.stop();
    await eventually(
      'the follower to lead',
      () => Promise.resolve(follower.app.isLeader),
      LEASE_DURATION_MS,
    );
    const handoverMs = Date.now() - stoppedAt;
    console.info(JSON.stringify({ handoverMs, leaseDurationMs: LEASE_DURATION_MS }));
    expect(handoverMs).toBeLessThan(LEASE_DURATION_MS);

    await applyJson(
      cp,
      admitted(
        userCollector((c) => {
          c.spec.config.receivers.prometheus.config.scrape_configs[0]!.scrape_interval = '45s';
        }),
      ),
    );
    await eventually('the new leader to update the ConfigMap', async () => {
      const cm = await getJson<{ data: Record<string, string> }>(cp, ['configmap', TA, '-n', NS]);
      return cm?.data['targetallocator.yaml']?.includes('scrape_interval: 45s');
    });
    expect(applied(follower)).toBeGreaterThan(0);
  });

  it('a lease held by a vanished process is taken over only after its duration', async () => {
    // A holder that stopped renewing without releasing (a crashed pod).
    await applyJson(cp, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'crashed-lease', namespace: CONTROLLER_NAMESPACE },
      spec: {
        holderIdentity: 'crashed_00000000',
        leaseDurationSeconds: 4,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
      },
    });
    const started = Date.now();
    const c = await startController(kubeconfig, {
      leaderElect: true,
      leaderElectionId: 'crashed-lease',
    });
    try {
      await eventually('the takeover', () => Promise.resolve(c.app.isLeader), 15_000);
      const waitedMs = Date.now() - started;
      console.info(
        JSON.stringify({ takeoverAfterCrashMs: waitedMs, leaseDurationMs: LEASE_DURATION_MS }),
      );
      expect(waitedMs).toBeGreaterThanOrEqual(LEASE_DURATION_MS);
      const lease = await getJson<{ spec: { holderIdentity: string; leaseTransitions: number } }>(
        cp,
        ['lease', 'crashed-lease', '-n', CONTROLLER_NAMESPACE],
      );
      expect(lease?.spec.holderIdentity).toMatch(/^e2e_/);
      expect(lease?.spec.leaseTransitions).toBe(1);
    } finally {
      await c.app.stop();
    }
  });

  it('a leader that loses access to its lease steps down within the renew deadline', async () => {
    const user = 'e2e-revoked';
    const subjects = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }];
    const roleRef = (kind: string): Record<string, string> => ({
      apiGroup: 'rbac.authorization.k8s.io',
      kind,
      name: 'otel-ta-controller',
    });
    await applyJson(
      cp,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: user },
        roleRef: roleRef('ClusterRole'),
        subjects,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: user, namespace: CONTROLLER_NAMESPACE },
        roleRef: roleRef('Role'),
        subjects,
      },
    );
    const c = await startController(await cp.makeKubeconfig(user, []), {
      leaderElect: true,
      leaderElectionId: 'revoked-lease',
    });
    try {
      await eventually('leadership', () => Promise.resolve(c.app.isLeader), 15_000);
      await kubectlOk(cp, ['delete', 'rolebinding', user, '-n', CONTROLLER_NAMESPACE]);
      const revokedAt = Date.now();
      await eventually('stepping down', () => Promise.resolve(!c.app.isLeader), 15_000);
      const steppedDownMs = Date.now() - revokedAt;
      console.info(
        JSON.stringify({
          steppedDownAfterRevokeMs: steppedDownMs,
          renewDeadlineMs: RENEW_DEADLINE_MS,
        }),
      );
      // The deadline counts from the last successful renewal, at most one retry period before.
      expect(steppedDownMs).toBeLessThan(RENEW_DEADLINE_MS + 2_000);
    } finally {
      await c.app.stop();
    }
  });
});
