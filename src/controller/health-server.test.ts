import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { createControllerMetrics } from './controller-metrics.js';
import { HealthServer } from './health-server.js';

describe('HealthServer', () => {
  let server: HealthServer | undefined;
  afterEach(async () => server?.stop());

  async function start(ready: () => boolean): Promise<string> {
    const metrics = createControllerMetrics({ defaultMetrics: false });
    metrics.leader.set(1);
    server = new HealthServer(
      { host: '127.0.0.1', port: 0 },
      { ready },
      metrics.registry,
      silentLogger(),
    );
    await server.start();
    return `http://127.0.0.1:${server.port}`;
  }

  it('answers /livez always and /readyz by the source', async () => {
    let ready = false;
    const base = await start(() => ready);
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('serves the controller metrics and 404s anything else', async () => {
    const base = await start(() => true);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('otel_ta_controller_leader 1');
    expect(text).toContain('otel_ta_controller_reconciles_total');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/livez`, { method: 'POST' })).status).toBe(405);
  });
});
