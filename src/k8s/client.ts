import { createRequire } from 'node:module';
import type { KubeConfig } from '@kubernetes/client-node';
import { UsageError, errorMessage } from '../errors.js';
import type { KubeCredentials } from './credentials.js';
import { InClusterCredentials } from './in-cluster-credentials.js';

/** How to reach the API server; produced by src/config/, never read from the environment here. */
export interface KubeClientConfig {
  /** A kubeconfig file. Undefined: the in-cluster service account (token, CA, KUBERNETES_SERVICE_*). */
  readonly kubeconfigPath?: string | undefined;
  /** A context of that kubeconfig other than its current one. */
  readonly context?: string | undefined;
}

/** The environment, for KUBERNETES_SERVICE_HOST and _PORT; passed in by the composition root. */
export type InClusterEnvironment = Readonly<Record<string, string | undefined>>;

/**
 * @kubernetes/client-node costs ~70 MB of resident memory once loaded, so it is loaded only when a
 * kubeconfig file is used (development, tests, kubeconfig_file); inside a pod the service account
 * is read directly. Synchronous (the library is CommonJS), so callers stay synchronous.
 */
export function newKubeConfig(): KubeConfig {
  const require = createRequire(import.meta.url);
  const { KubeConfig: Class } = require('@kubernetes/client-node') as {
    KubeConfig: typeof KubeConfig;
  };
  return new Class();
}

/**
 * Credentials from a kubeconfig file or from the pod's service account. Reads files (the
 * kubeconfig or the mounted token and CA), so it belongs in a composition root, not in a
 * constructor.
 */
export function loadKubeConfig(
  config: KubeClientConfig,
  env: InClusterEnvironment,
): KubeCredentials {
  const where = config.kubeconfigPath ?? '(in-cluster)';
  if (config.kubeconfigPath === undefined && config.context === undefined) {
    try {
      return new InClusterCredentials({
        host: env.KUBERNETES_SERVICE_HOST,
        port: env.KUBERNETES_SERVICE_PORT,
      });
    } catch (err) {
      throw unreadable(where, err);
    }
  }
  const kc = newKubeConfig();
  try {
    if (config.kubeconfigPath !== undefined) kc.loadFromFile(config.kubeconfigPath);
    else kc.loadFromCluster();
  } catch (err) {
    throw unreadable(where, err);
  }
  if (config.context !== undefined) kc.setCurrentContext(config.context);
  if (kc.getCurrentCluster() === null) {
    throw new UsageError(
      'KUBECONFIG_NO_CLUSTER',
      `the kubeconfig ${where} has no current cluster; set current-context or pass --context`,
    );
  }
  return kc;
}

function unreadable(where: string, err: unknown): UsageError {
  return new UsageError(
    'KUBECONFIG_UNREADABLE',
    `cannot load the kubeconfig ${where}: ${errorMessage(err)}; ` +
      'pass --kubeconfig with a readable file, or run inside a pod with a service account',
    { cause: err },
  );
}
