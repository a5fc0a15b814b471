import { KubeConfig } from '@kubernetes/client-node';
import { UsageError, errorMessage } from '../errors.js';

/** How to reach the API server; produced by src/config/, never read from the environment here. */
export interface KubeClientConfig {
  /** A kubeconfig file. Undefined: the in-cluster service account (token, CA, KUBERNETES_SERVICE_*). */
  readonly kubeconfigPath?: string | undefined;
  /** A context of that kubeconfig other than its current one. */
  readonly context?: string | undefined;
}

/**
 * Builds a KubeConfig from a file or from the pod's service account. Reads files (the kubeconfig or
 * the mounted token and CA), so it belongs in a composition root, not in a constructor.
 */
export function loadKubeConfig(config: KubeClientConfig): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (config.kubeconfigPath !== undefined) kc.loadFromFile(config.kubeconfigPath);
    else kc.loadFromCluster();
  } catch (err) {
    throw new UsageError(
      'KUBECONFIG_UNREADABLE',
      `cannot load the kubeconfig ${config.kubeconfigPath ?? '(in-cluster)'}: ${errorMessage(err)}; ` +
        'pass --kubeconfig with a readable file, or run inside a pod with a service account',
      { cause: err },
    );
  }
  if (config.context !== undefined) kc.setCurrentContext(config.context);
  if (kc.getCurrentCluster() === null) {
    throw new UsageError(
      'KUBECONFIG_NO_CLUSTER',
      `the kubeconfig ${config.kubeconfigPath ?? '(in-cluster)'} has no current cluster; set current-context or pass --context`,
    );
  }
  return kc;
}
