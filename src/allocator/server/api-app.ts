import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { HandoffStatus } from '../handoff/handoff-coordinator.js';
import type { AllocatorMetrics } from '../metrics.js';
import type { AllocationView } from '../model.js';
import { renderHumanPage } from './human-page.js';
import type { ResponseCache } from './response-cache.js';
import type { ScrapeConfigsBody } from './scrape-configs-body.js';
import { sendCachedJson, sendJson } from './send-body.js';

export interface ApiAppDeps {
  readonly view: AllocationView;
  readonly cache: ResponseCache;
  readonly scrapeConfigs: ScrapeConfigsBody;
  readonly isReady: () => boolean;
  readonly metrics: AllocatorMetrics;
  readonly logger: Logger;
  readonly strategy: string;
  /** Serve real secret values on /scrape_configs (the mTLS listener, or allow_insecure_auth_secrets). */
  readonly withSecrets: boolean;
  readonly handoffStatus?: (() => HandoffStatus) | undefined;
}

const UNMATCHED = 'unmatched';

function routeTemplate(req: Request): string {
  const route: unknown = req.route;
  if (typeof route === 'object' && route !== null && 'path' in route) {
    return typeof route.path === 'string' ? route.path : UNMATCHED;
  }
  return UNMATCHED;
}

/**
 * Every route except the hot targets route: `/`, `/jobs`, `/scrape_configs`, the probes and
 * `/metrics`, plus JSON 404s and errors. Durations are recorded per route template, never per raw
 * URL, so the metric's cardinality stays fixed.
 */
export function createApiApp(deps: ApiAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.httpDuration.observe({ path: routeTemplate(req) }, seconds);
    });
    next();
  });

  app.get('/', (_req: Request, res: Response) => {
    const html = renderHumanPage({
      view: deps.view,
      strategy: deps.strategy,
      ready: deps.isReady(),
      handoff: deps.handoffStatus?.(),
    });
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.type('html').send(html);
  });

  app.get('/jobs', (req: Request, res: Response) => {
    sendCachedJson(req, res, deps.cache.jobs());
  });

  app.get('/scrape_configs', (req: Request, res: Response) => {
    sendCachedJson(req, res, deps.scrapeConfigs.get(deps.withSecrets));
  });

  app.get('/livez', (_req: Request, res: Response) => {
    sendJson(res, 200, { status: 'ok' });
  });

  app.get('/readyz', (_req: Request, res: Response) => {
    const ready = deps.isReady();
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
  });

  app.get('/metrics', async (_req: Request, res: Response) => {
    const text = await deps.metrics.registry.metrics();
    res.setHeader('Content-Type', deps.metrics.registry.contentType);
    res.send(text);
  });

  app.use((req: Request, res: Response) => {
    sendJson(res, 404, {
      error: `no route for ${req.method} ${req.path}; see / for the API`,
    });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendJson(res, status, { error: err instanceof Error ? err.message : 'bad request' });
      return;
    }
    deps.logger.error({ err }, 'allocator HTTP request failed');
    sendJson(res, 500, { error: 'internal error; see the allocator log' });
  });

  return app;
}
