import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { testContext } from '../test-support.js';
import { createKubeConnector } from './kube-connector.js';
import { parseKubernetesSdOptions } from './sd-options.js';

describe('kube connector for api_server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function apiServer(): Promise<{ url: string; seen: { path: string; auth: string }[] }> {
    const seen: { path: string; auth: string }[] = [];
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization ?? '' });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: [], metadata: { resourceVersion: '1' } }));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  it('sends the bearer token of the entry to its api_server', async () => {
    const { url, seen } = await apiServer();
    const options = parseKubernetesSdOptions(
      { role: 'pod', api_server: url, bearer_token: 'tok-1' },
      testContext(),
      undefined,
    );
    const api = await createKubeConnector({}, {})(options.target);
    await api.request({ method: 'GET', path: '/api/v1/pods' });
    expect(seen).toEqual([{ path: '/api/v1/pods', auth: 'Bearer tok-1' }]);
  });

  it('sends basic_auth credentials to its api_server', async () => {
    const { url, seen } = await apiServer();
    const options = parseKubernetesSdOptions(
      { role: 'node', api_server: url, basic_auth: { username: 'u', password: 'p:w' } },
      testContext(),
      undefined,
    );
    const api = await createKubeConnector({}, {})(options.target);
    await api.request({ method: 'GET', path: '/api/v1/nodes' });
    expect(seen[0]?.auth).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
  });
});
