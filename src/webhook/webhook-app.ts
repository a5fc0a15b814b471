import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
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
import {
  AdmissionAnswerCache,
  answerFor,
  objectKey,
  prepareAnswer,
  summaryOf,
  type AnswerCacheLimits,
  type AnswerSummary,
  type PreparedAnswer,
} from './admission-answer-cache.js';
import {
  parseEnvelopeObject,
  readAdmissionEnvelope,
  type AdmissionEnvelope,
} from './admission-envelope.js';
import { parseAdmissionReview } from './parse-admission-review.js';
import { readRequestBody } from './request-body.js';
import { admissionReviewParts, jsonText, type AdmissionReviewParts } from './review-json.js';
import type { WebhookEndpoint, WebhookMetrics } from './webhook-metrics.js';

/** What the server delegates to; the server itself only speaks the wire protocol. */
export interface AdmissionHandlers {
  mutate(request: AdmissionRequest): AdmissionDecision;
  validate(request: AdmissionRequest): AdmissionDecision;
  convert(request: ConversionRequest): ConversionReviewBody;
  /**
   * When present: mutate and validate decide from the request's object, operation, namespace and
   * name alone, plus whatever this returns (compared by identity), which must change whenever
   * anything else they depend on changes (the policy). The server then answers a byte-identical
   * object again from its answer cache, without calling them.
   */
  decisionScope?(): unknown;
}

export interface WebhookAppOptions {
  readonly handlers: AdmissionHandlers;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  /** /readyz answers 200 only while this returns true. */
  readonly ready: () => boolean;
  /** The API server sends at most 3 MiB objects (etcd's request limit) plus the envelope. */
  readonly bodyLimitBytes?: number;
  /** Bounds of the admission answer cache (used when the handlers have a decisionScope). */
  readonly answerCacheLimits?: AnswerCacheLimits;
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

/** `/mutate?timeout=10s` -> `mutate` (the API server adds the query); undefined for other paths. */
function reviewEndpoint(url: string | undefined): WebhookEndpoint | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  let path = (query < 0 ? url : url.slice(0, query)).toLowerCase();
  if (path.endsWith('/')) path = path.slice(0, -1);
  const name = path.slice(1);
  return path.startsWith('/') && REVIEW_ENDPOINTS.has(name) ? (name as WebhookEndpoint) : undefined;
}

/**
 * A review as JSON text, an admission answer whose base64 patch is written apart, or one whose
 * bytes after the uid are prepared.
 */
type Answer = string | AdmissionReviewParts | PreparedAnswer;

function sendJson(res: ServerResponse, answer: Answer): void {
  if (typeof answer !== 'string' && 'rest' in answer) {
    const { head, rest } = answer;
    res.writeHead(200, {
      'content-type': JSON_CONTENT_TYPE,
      'content-length': Buffer.byteLength(head, 'utf8') + rest.length,
    });
    // Corked (end() uncorks): the headers and both parts leave in one write. Ending with the
    // last part spares the empty write (a syscall through TLS) that a bare end() would make.
    res.cork();
    res.write(head, 'utf8');
    res.end(rest);
    return;
  }
  if (typeof answer === 'string' || answer.patch === undefined) {
    const text = typeof answer === 'string' ? answer : answer.head + answer.tail;
    res.writeHead(200, {
      'content-type': JSON_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text, 'utf8'),
    });
    res.end(text);
    return;
  }
  const { head, patch, tail } = answer;
  res.writeHead(200, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length':
      Buffer.byteLength(head, 'utf8') + patch.length + Buffer.byteLength(tail, 'utf8'),
  });
  // Corked (end() uncorks): the headers and the three parts leave in one write. The patch is
  // ASCII: latin1 is a copy.
  res.cork();
  res.write(head, 'utf8');
  res.write(patch, 'latin1');
  res.end(tail, 'utf8');
}

/**
 * The admission server's HTTP surface. Every answer on /mutate, /validate and /convert is a review
 * object with a code and a message, including malformed, oversized and failing requests: the API
 * server shows that message to the user, whereas an HTML error page or a dropped connection would
 * only surface as an opaque "failed calling webhook".
 *
 * The review endpoints are the hot path (every collector write, dry runs included), so their
 * requests are read and answered here directly; express serves the rest (health, metrics, 404s)
 * and the rare compressed request body, which its body parser inflates.
 */
export function createWebhookApp(options: WebhookAppOptions): RequestListener {
  const { handlers, metrics, logger } = options;
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  // The one line per review holds only fields written here (names, counts, our own messages),
  // never an object from the request, so no redaction path can match it; redaction would cost
  // three times the line itself. Failures, which carry errors, keep the redacting logger.
  const requestLog = logger.child({}, { redact: [] });

  const answers =
    handlers.decisionScope === undefined
      ? undefined
      : new AdmissionAnswerCache(options.answerCacheLimits);

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
    summary: AnswerSummary,
    start: bigint,
  ): void => {
    const seconds = elapsedSeconds(start);
    metrics.requestDuration.observe({ endpoint, outcome: summary.outcome }, seconds);
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
        outcome: summary.outcome,
        allowed: summary.allowed,
        patchOperations: summary.patchOperations,
        ...(summary.status === undefined
          ? {}
          : { code: summary.status.code, reason: summary.status.message }),
      },
      'admission request',
    );
  };

  /** A review read around its object: a byte-identical object seen before is answered again. */
  const admitEnvelope = (
    endpoint: 'mutate' | 'validate',
    envelope: AdmissionEnvelope,
    cache: AdmissionAnswerCache,
    scope: unknown,
    start: bigint,
  ): Answer => {
    const { request } = envelope;
    const object = objectKey(envelope.objectBytes);
    const key = {
      endpoint,
      operation: request.operation,
      namespace: request.namespace,
      name: request.name,
      scope,
    };
    const cached = cache.get(object, key);
    if (cached !== undefined) {
      record(endpoint, request.uid, request, cached.summary, start);
      return answerFor(request.uid, cached);
    }
    const { decision, failed } = decide(endpoint, {
      ...request,
      object: parseEnvelopeObject(envelope),
    });
    const prepared = prepareAnswer(request.uid, decision);
    // A failure is logged each time it happens, not answered from the cache.
    if (!failed) cache.set(object, key, prepared.cached);
    record(endpoint, request.uid, request, prepared.cached.summary, start);
    return prepared.parts;
  };

  const admission = (
    endpoint: 'mutate' | 'validate',
    contentType: string | undefined,
    raw: unknown,
    start: bigint,
  ): Answer => {
    if (
      answers !== undefined &&
      isJsonContentType(contentType) &&
      Buffer.isBuffer(raw) &&
      raw.length > 0
    ) {
      const envelope = readAdmissionEnvelope(raw);
      if (envelope !== undefined) {
        return admitEnvelope(endpoint, envelope, answers, handlers.decisionScope?.(), start);
      }
    }
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
    const answer = admissionReviewParts(uid, decision);
    record(endpoint, uid, request, summaryOf(decision), start);
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
    // Converted objects carry whole config texts: written with the kept literals of large strings.
    const text = jsonText(review) ?? 'null';
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
  ): Answer =>
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

  const app = createExpressApp(options, limit, review, unreadable);

  return (req: IncomingMessage, res: ServerResponse): void => {
    const endpoint = req.method === 'POST' ? reviewEndpoint(req.url) : undefined;
    const encoding = req.headers['content-encoding'];
    if (
      endpoint === undefined ||
      (encoding !== undefined && encoding.toLowerCase() !== 'identity')
    ) {
      app(req, res);
      return;
    }
    const start = process.hrtime.bigint();
    void readRequestBody(req, limit)
      .then((read) => {
        if (read.ok) {
          sendJson(res, review(endpoint, req.headers['content-type'], read.body, start));
          return;
        }
        logger.warn(
          { endpoint: `/${endpoint}`, status: read.status, reason: read.message },
          'request body rejected',
        );
        if (!res.headersSent && !res.destroyed) {
          sendJson(res, unreadable(endpoint, read.status, read.message));
        }
      })
      .catch((err: unknown) => {
        // Handlers contain their own failures; this is the writing of the answer itself.
        logger.error({ err, endpoint }, 'review answer failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
  };
}

type ReviewAnswer = (
  endpoint: WebhookEndpoint,
  contentType: string | undefined,
  raw: unknown,
  start: bigint,
) => Answer;
type UnreadableAnswer = (endpoint: WebhookEndpoint, status: number, message: string) => string;

/** Health, metrics, 404s, and review requests with a compressed body. */
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
