import type { RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { errorMessage } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import {
  admissionReviewResponse,
  internalError,
  reject,
  type AdmissionDecision,
  type AdmissionRequest,
} from './admission-review.js';
import {
  conversionFailure,
  parseConversionReview,
  type ConversionRequest,
  type ConversionReviewBody,
} from './conversion-review.js';
import { parseAdmissionReview } from './parse-admission-review.js';
import type { WebhookEndpoint, WebhookMetrics } from './webhook-metrics.js';

/** What the server delegates to; the server itself only speaks the wire protocol. */
export interface AdmissionHandlers {
  mutate(request: AdmissionRequest): AdmissionDecision;
  validate(request: AdmissionRequest): AdmissionDecision;
  convert(request: ConversionRequest): ConversionReviewBody;
}

export interface WebhookAppOptions {
  readonly handlers: AdmissionHandlers;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  /** /readyz answers 200 only while this returns true. */
  readonly ready: () => boolean;
  /** The API server sends at most 3 MiB objects (etcd's request limit) plus the envelope. */
  readonly bodyLimitBytes?: number;
}

export const DEFAULT_BODY_LIMIT_BYTES = 3 * 1024 * 1024 + 64 * 1024;

type BodyOutcome =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly code: number; readonly message: string };

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const mediaType = header.split(';', 1)[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

function decodeBody(contentType: string | undefined, raw: unknown): BodyOutcome {
  if (!isJsonContentType(contentType)) {
    return {
      ok: false,
      code: 415,
      message: `Content-Type must be application/json, got ${JSON.stringify(contentType ?? '')}`,
    };
  }
  if (!Buffer.isBuffer(raw) || raw.length === 0)
    return { ok: false, code: 400, message: 'the request body is empty' };
  try {
    return { ok: true, body: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (err) {
    return {
      ok: false,
      code: 400,
      message: `the request body is not valid JSON: ${errorMessage(err)}`,
    };
  }
}

function elapsedSeconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const REVIEW_ENDPOINTS: ReadonlySet<string> = new Set(['mutate', 'validate', 'convert']);
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** `/mutate/` -> `mutate`; undefined for other paths. */
function reviewEndpoint(path: string): WebhookEndpoint | undefined {
  let name = path.toLowerCase();
  if (name.endsWith('/')) name = name.slice(0, -1);
  name = name.slice(1);
  return REVIEW_ENDPOINTS.has(name) ? (name as WebhookEndpoint) : undefined;
}

function sendJson(res: Response, text: string): void {
  res.writeHead(200, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text, 'utf8'),
  });
  res.end(text);
}

/**
 * The admission server's HTTP surface. Every answer on /mutate, /validate and /convert is a review
 * object with a code and a message, including malformed, oversized and failing requests: the API
 * server shows that message to the user, whereas an HTML error page or a dropped connection would
 * only surface as an opaque "failed calling webhook".
 *
 * express reads the bodies (inflating compressed ones, enforcing the limit) and serves health,
 * metrics and 404s.
 */
export function createWebhookApp(options: WebhookAppOptions): RequestListener {
  const { handlers, metrics, logger } = options;
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  // The one line per review holds only fields written here (names, counts, our own messages),
  // never an object from the request, so no redaction path can match it; redaction would cost
  // three times the line itself. Failures, which carry errors, keep the redacting logger.
  const requestLog = logger.child({}, { redact: [] });

  const decide = (
    endpoint: 'mutate' | 'validate',
    request: AdmissionRequest,
  ): { decision: AdmissionDecision; failed: boolean } => {
    try {
      return { decision: handlers[endpoint](request), failed: false };
    } catch (err) {
      logger.error({ err, uid: request.uid, endpoint }, 'admission handler failed');
      const decision = internalError(
        `otel-ta failed while handling this request (${errorMessage(err)}); this is a bug, please report it`,
      );
      return { decision, failed: true };
    }
  };

  const record = (
    endpoint: 'mutate' | 'validate',
    uid: string,
    request: AdmissionRequest | undefined,
    decision: AdmissionDecision,
    start: bigint,
  ): void => {
    const seconds = elapsedSeconds(start);
    metrics.requestDuration.observe({ endpoint, outcome: decision.outcome }, seconds);
    requestLog.info(
      {
        endpoint,
        uid,
        kind: request?.kind.kind,
        namespace: request?.namespace,
        name: request?.name,
        operation: request?.operation,
        dryRun: request?.dryRun,
        latencyMs: Math.round(seconds * 1e6) / 1e3,
        outcome: decision.outcome,
        allowed: decision.allowed,
        patchOperations: decision.patch.length,
        ...(decision.status === undefined
          ? {}
          : { code: decision.status.code, reason: decision.status.message }),
      },
      'admission request',
    );
  };

  const admission = (
    endpoint: 'mutate' | 'validate',
    contentType: string | undefined,
    raw: unknown,
    start: bigint,
  ): string => {
    const decoded = decodeBody(contentType, raw);
    let uid = '';
    let decision: AdmissionDecision;
    let request: AdmissionRequest | undefined;
    if (!decoded.ok) {
      decision = reject(decoded.code, decoded.message);
    } else {
      const parsed = parseAdmissionReview(decoded.body);
      uid = parsed.ok ? parsed.request.uid : parsed.uid;
      if (parsed.ok) {
        request = parsed.request;
        decision = decide(endpoint, parsed.request).decision;
      } else {
        decision = parsed.decision;
      }
    }
    const answer = JSON.stringify(admissionReviewResponse(uid, decision));
    record(endpoint, uid, request, decision, start);
    return answer;
  };

  const conversion = (contentType: string | undefined, raw: unknown, start: bigint): string => {
    const decoded = decodeBody(contentType, raw);
    let review: ConversionReviewBody;
    if (!decoded.ok) {
      review = conversionFailure('', decoded.code, decoded.message);
    } else {
      const parsed = parseConversionReview(decoded.body);
      if (!parsed.ok) {
        review = conversionFailure(parsed.uid, 400, parsed.message);
      } else {
        try {
          review = handlers.convert(parsed.request);
        } catch (err) {
          logger.error({ err, uid: parsed.request.uid }, 'conversion handler failed');
          review = conversionFailure(
            parsed.request.uid,
            500,
            `otel-ta failed to convert (${errorMessage(err)}); this is a bug, please report it`,
          );
        }
      }
    }
    const text = JSON.stringify(review);
    const seconds = elapsedSeconds(start);
    const outcome = review.response.result.status === 'Success' ? 'success' : 'failure';
    metrics.requestDuration.observe({ endpoint: 'convert', outcome }, seconds);
    requestLog.info(
      {
        endpoint: 'convert',
        uid: review.response.uid,
        objects: review.response.convertedObjects.length,
        latencyMs: Math.round(seconds * 1e6) / 1e3,
        outcome,
        ...(review.response.result.message === undefined
          ? {}
          : { reason: review.response.result.message }),
      },
      'conversion request',
    );
    return text;
  };

  const review = (
    endpoint: WebhookEndpoint,
    contentType: string | undefined,
    raw: unknown,
    start: bigint,
  ): string =>
    endpoint === 'convert'
      ? conversion(contentType, raw, start)
      : admission(endpoint, contentType, raw, start);

  /** A body that could not be read still gets a review (or a failed ConversionReview). */
  const unreadable = (endpoint: WebhookEndpoint, status: number, message: string): string => {
    if (endpoint === 'convert') {
      metrics.requestDuration.observe({ endpoint, outcome: 'failure' }, 0);
      return JSON.stringify(conversionFailure('', status, message));
    }
    metrics.requestDuration.observe({ endpoint, outcome: 'rejected' }, 0);
    return JSON.stringify(admissionReviewResponse('', reject(status, message)));
  };

  return createExpressApp(options, limit, review, unreadable);
}

type ReviewAnswer = (
  endpoint: WebhookEndpoint,
  contentType: string | undefined,
  raw: unknown,
  start: bigint,
) => string;
type UnreadableAnswer = (endpoint: WebhookEndpoint, status: number, message: string) => string;

/** The review endpoints (bodies read by express), health, metrics and 404s. */
function createExpressApp(
  options: WebhookAppOptions,
  limit: number,
  review: ReviewAnswer,
  unreadable: UnreadableAnswer,
): express.Express {
  const { metrics, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const rawBody = express.raw({ type: () => true, limit });
  for (const endpoint of ['mutate', 'validate', 'convert'] as const) {
    app.post(`/${endpoint}`, rawBody, (req: Request, res: Response): void => {
      const start = process.hrtime.bigint();
      sendJson(res, review(endpoint, req.headers['content-type'], req.body, start));
    });
  }

  app.get('/healthz', (_req: Request, res: Response): void => {
    res.status(200).type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req: Request, res: Response): void => {
    const ready = options.ready();
    res
      .status(ready ? 200 : 503)
      .type('text/plain')
      .send(ready ? 'ok\n' : 'not ready\n');
  });
  app.get('/metrics', async (_req: Request, res: Response): Promise<void> => {
    res
      .status(200)
      .type(metrics.registry.contentType)
      .send(await metrics.registry.metrics());
  });

  app.use((req: Request, res: Response): void => {
    res.status(404).json({
      error: `no route for ${req.method} ${req.path}; the webhook serves POST /mutate, /validate, /convert and GET /healthz, /readyz, /metrics`,
    });
  });

  // Body-parser failures (oversized, aborted, bad encoding) land here; they still get a review.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status =
      typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number'
        ? err.status
        : 500;
    const type = typeof err === 'object' && err !== null && 'type' in err ? String(err.type) : '';
    const message =
      type === 'entity.too.large'
        ? `the request body exceeds the webhook's limit of ${limit} bytes; the object is too large to admit`
        : `the request could not be read: ${errorMessage(err)}`;
    const endpoint = reviewEndpoint(req.path);
    logger.warn({ err, endpoint: req.path, status }, 'request body rejected');
    if (res.headersSent) return;
    if (endpoint !== undefined && req.method === 'POST') {
      sendJson(res, unreadable(endpoint, status, message));
    } else {
      res.status(status).json({ error: message });
    }
  });
  return app;
}
