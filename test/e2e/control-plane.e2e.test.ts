import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the test control plane (etcd + kube-apiserver)', () => {
  let cp: ControlPlane | undefined;
  const plane = (): ControlPlane => {
    if (!cp) throw new Error('control plane did not start');
    return cp;
  };

  beforeAll(async () => {
    const started = Date.now();
    cp = await startControlPlane();
    console.info(`control plane ready in ${Date.now() - started} ms at ${cp.serverUrl}`);
    // A cold build of the binaries happens inside startControlPlane (minutes on 2 cores); with the
    // cache warm this takes seconds.
  }, 900_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('lists the built-in namespaces', async () => {
    const r = await plane().kubectl(['get', 'namespaces', '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual(
      expect.arrayContaining(['namespace/default', 'namespace/kube-system']),
    );
  });

  it('reports the Kubernetes version it was built as', async () => {
    const r = await plane().kubectl(['version', '-o', 'json']);
    expect(r.code).toBe(0);
    const version = JSON.parse(r.stdout) as {
      serverVersion: { gitVersion: string; minor: string };
    };
    expect(version.serverVersion.gitVersion).toBe(plane().versions.kubernetes);
    expect(`v1.${version.serverVersion.minor}.`).toBe(
      plane().versions.kubernetes.replace(/^(v1\.\d+\.).*$/, '$1'),
    );
  });

  it('stores and returns a ConfigMap', async () => {
    const name = `e2e-${Date.now()}`;
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default' },
      data: { greeting: 'hello from otel-ta' },
    });
    const created = await plane().kubectl(['apply', '-f', '-'], { input: manifest });
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain(`configmap/${name} created`);

    const read = await plane().kubectl([
      'get',
      'configmap',
      name,
      '-n',
      'default',
      '-o',
      'jsonpath={.data.greeting}',
    ]);
    expect(read.code).toBe(0);
    expect(read.stdout).toBe('hello from otel-ta');
  });

  it('authorizes a client-certificate identity by RBAC, by user name and by group', async () => {
    const kubeconfig = await plane().makeKubeconfig('e2e-reader@example.com', ['e2e:readers']);

    const secrets = await plane().kubectl(['get', 'secrets', '-n', 'default'], { kubeconfig });
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toContain(
      'User "e2e-reader@example.com" cannot list resource "secrets" in API group "" in the namespace "default"',
    );

    // Granting the group (the certificate's O) must be enough: proves groups reach the authorizer.
    const grant = await plane().kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'Role',
            metadata: { name: 'e2e-configmap-reader', namespace: 'default' },
            rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
          },
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'RoleBinding',
            metadata: { name: 'e2e-configmap-reader', namespace: 'default' },
            roleRef: {
              apiGroup: 'rbac.authorization.k8s.io',
              kind: 'Role',
              name: 'e2e-configmap-reader',
            },
            subjects: [
              { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'e2e:readers' },
            ],
          },
        ],
      }),
    });
    expect(grant.code).toBe(0);
    const configMaps = await plane().kubectl(['get', 'configmaps', '-n', 'default'], {
      kubeconfig,
    });
    expect(configMaps.stderr).toBe('');
    expect(configMaps.code).toBe(0);
  });

  it('issues service-account tokens that it then authenticates', async () => {
    const sa = await plane().kubectl(['create', 'serviceaccount', 'e2e-token', '-n', 'default']);
    expect(sa.code).toBe(0);
    const token = await plane().kubectl(['create', 'token', 'e2e-token', '-n', 'default']);
    expect(token.code).toBe(0);

    // No kubeconfig user: with the admin's client certificate also sent, x509 would win over the token.
    const caPath = join(plane().workDir, 'token-test-ca.crt');
    await writeFile(caPath, plane().caPem);
    const whoami = await plane().kubectl(
      [
        `--server=${plane().serverUrl}`,
        `--certificate-authority=${caPath}`,
        `--token=${token.stdout.trim()}`,
        'auth',
        'whoami',
        '-o',
        'jsonpath={.status.userInfo.username}',
      ],
      { kubeconfig: '/dev/null' },
    );
    expect(whoami.stderr).toBe('');
    expect(whoami.stdout).toBe('system:serviceaccount:default:e2e-token');
  });

  it('stop() ends exactly the processes it started and keeps their logs', async () => {
    const { pids, logDir } = plane();
    expect(isRunning(pids.etcd)).toBe(true);
    expect(isRunning(pids.apiserver)).toBe(true);

    await plane().stop();

    expect(isRunning(pids.etcd)).toBe(false);
    expect(isRunning(pids.apiserver)).toBe(false);
    expect(await readdir(logDir)).toEqual(
      expect.arrayContaining(['etcd.log', 'kube-apiserver.log']),
    );
    // A second stop() is a no-op, so afterAll may call it again.
    await plane().stop();
  });
});
