import type { KubeConfig } from '@kubernetes/client-node';
import {
  loadKubeConfig,
  newKubeConfig,
  type InClusterEnvironment,
  type KubeClientConfig,
} from '../../../k8s/client.js';
import { KubeRestClient, type KubeApi } from '../../../k8s/rest-client.js';
import type { HttpClientSettings } from '../http-client-config.js';
import type { KubeTarget } from './sd-options.js';

/**
 * Opens API clients for kubernetes_sd_configs entries. Reads kubeconfig and credential files, so
 * only the allocator's composition root builds one. `fallback` is where an entry without
 * kubeconfig_file or api_server goes: the allocator's own cluster connection (`env` locates the
 * API server when that is the pod's service account).
 */
export function createKubeConnector(
  fallback: KubeClientConfig,
  env: InClusterEnvironment,
): (target: KubeTarget) => Promise<KubeApi> {
  return async (target) => {
    switch (target.kind) {
      case 'kubeconfig':
        return new KubeRestClient(loadKubeConfig({ kubeconfigPath: target.path }, env));
      case 'default':
        return new KubeRestClient(loadKubeConfig(fallback, env));
      case 'api_server':
        return new KubeRestClient(await apiServerConfig(target.url, target.client));
    }
  };
}

/** A KubeConfig for `api_server` with the entry's TLS settings and credentials. */
async function apiServerConfig(url: string, client: HttpClientSettings): Promise<KubeConfig> {
  const tls = await client.tls();
  const authorization = (await client.headers()).authorization;
  const user: Record<string, string> = { name: 'sd' };
  if (tls.cert !== undefined) user.certData = Buffer.from(tls.cert).toString('base64');
  if (tls.key !== undefined) user.keyData = Buffer.from(tls.key).toString('base64');
  if (authorization !== undefined) {
    const [scheme = '', credentials = ''] = authorization.split(' ', 2);
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      user.username = decoded.slice(0, colon);
      user.password = decoded.slice(colon + 1);
    } else {
      user.token = credentials;
    }
  }
  const kc = newKubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'sd',
        server: url,
        // client-node refuses a plain-http server unless told there is no TLS to verify.
        skipTLSVerify: !tls.rejectUnauthorized || new URL(url).protocol === 'http:',
        ...(tls.ca === undefined ? {} : { caData: Buffer.from(tls.ca).toString('base64') }),
      },
    ],
    users: [user],
    contexts: [{ name: 'sd', cluster: 'sd', user: 'sd' }],
    currentContext: 'sd',
  });
  return kc;
}
