import type { RequestOptions } from 'node:https';

/**
 * What the REST client needs of a kubeconfig: where the API server is and how to authenticate to
 * it. @kubernetes/client-node's KubeConfig has this shape; so has `InClusterCredentials`, which
 * spares a pod the ~70 MB of resident memory that loading that library costs.
 */
export interface KubeCredentials {
  getCurrentCluster(): { readonly server: string } | null;
  /** Sets the CA, client certificate and Authorization header a request needs (async: tokens rotate). */
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}
