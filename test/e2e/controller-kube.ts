/**
 * Shared set-up of the controller e2e tests: the collector CRD, the controller's RBAC from
 * src/controller/rbac.yaml bound to a restricted client-certificate identity, and an in-process
 * controller running as that identity.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import {
  buildControllerConfig,
  CONTROLLER_DEFAULTS,
  type ControllerFlags,
} from '../../src/config/controller-config.js';
import { ControllerApp } from '../../src/controller/controller-app.js';
import { loadKubeConfig } from '../../src/k8s/client.js';
import { systemClock } from '../../src/k8s/clock.js';
import { KubeRestClient } from '../../src/k8s/rest-client.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ControlPlane } from './harness/control-plane.js';

export const CONTROLLER_NAMESPACE = 'otel-ta-system';
export const CONTROLLER_USER = 'system:serviceaccount:otel-ta-system:otel-ta-controller';

const DEPLOY_CRD = fileURLToPath(new URL('../../deploy/base/crd.yaml', import.meta.url));

/**
 * The CRD users install (deploy/base/crd.yaml). Its conversion webhook is not running in these
 * tests, which is fine: they write and read only v1beta1, the storage version.
 */
export function collectorCrd(): Record<string, unknown> & { spec: Record<string, unknown> } {
  return parse(readFileSync(DEPLOY_CRD, 'utf8')) as Record<string, unknown> & {
    spec: Record<string, unknown>;
  };
}

export async function kubectlOk(cp: ControlPlane, args: string[], input?: string): Promise<string> {
  const r = await cp.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export async function applyJson(cp: ControlPlane, ...objects: unknown[]): Promise<void> {
  await kubectlOk(
    cp,
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
}

/** Returns the object, or undefined when it does not exist. */
export async function getJson<T = Record<string, unknown>>(
  cp: ControlPlane,
  args: string[],
): Promise<T | undefined> {
  const r = await cp.kubectl(['get', ...args, '-o', 'json']);
  if (r.code !== 0) {
    if (r.stderr.includes('NotFound')) return undefined;
    throw new Error(`kubectl get ${args.join(' ')} failed: ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as T;
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err instanceof Error ? err : new Error(String(err));
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/** Installs the CRD, the namespaces and the controller's RBAC; returns the restricted kubeconfig. */
export async function prepareCluster(cp: ControlPlane, namespaces: string[]): Promise<string> {
  await applyJson(
    cp,
    collectorCrd(),
    ...[CONTROLLER_NAMESPACE, ...namespaces].map((name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    })),
  );
  await kubectlOk(cp, [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/opentelemetrycollectors.opentelemetry.io',
  ]);
  const rbacPath = fileURLToPath(new URL('../../src/controller/rbac.yaml', import.meta.url));
  const rbac = parseAllDocuments(readFileSync(rbacPath, 'utf8')).map((d) => d.toJS() as unknown);
  const subject = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: CONTROLLER_USER };
  await applyJson(
    cp,
    ...rbac,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'otel-ta-controller' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'otel-ta-controller',
      },
      subjects: [subject],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'otel-ta-controller', namespace: CONTROLLER_NAMESPACE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'otel-ta-controller' },
      subjects: [subject],
    },
  );
  return cp.makeKubeconfig(CONTROLLER_USER, []);
}

export interface RunningController {
  readonly app: ControllerApp;
  /** Every log line the controller wrote, parsed. */
  readonly logs: Record<string, unknown>[];
}

/** Starts a controller in-process as the restricted identity; flags as the CLI takes them. */
export async function startController(
  kubeconfigPath: string,
  flags: Partial<ControllerFlags>,
): Promise<RunningController> {
  const config = buildControllerConfig(
    {
      ...CONTROLLER_DEFAULTS,
      mutatingWebhookConfiguration: [],
      validatingWebhookConfiguration: [],
      kubeconfig: kubeconfigPath,
      leaderElectionNamespace: CONTROLLER_NAMESPACE,
      webhookServiceNamespace: CONTROLLER_NAMESPACE,
      resyncPeriod: '3s',
      leaseDuration: '4s',
      renewDeadline: '3s',
      retryPeriod: '500ms',
      logLevel: 'debug',
      ...flags,
    },
    { HOSTNAME: 'e2e' },
  );
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const logger = createLogger({ level: config.logLevel, name: 'otel-ta-controller' }, sink);
  const app = new ControllerApp(config, {
    api: new KubeRestClient(loadKubeConfig({ kubeconfigPath }, {})),
    clock: systemClock,
    logger,
  });
  await app.start();
  return { app, logs };
}
