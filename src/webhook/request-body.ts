import type { IncomingMessage } from 'node:http';

export type BodyRead =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly status: number; readonly message: string };

/** One read in progress, kept on its request: the listeners are shared, not made per request. */
interface BodyState {
  readonly limit: number;
  readonly announced: number | undefined;
  readonly resolve: (read: BodyRead) => void;
  readonly chunks: Buffer[];
  received: number;
}

const STATE = Symbol('otel-ta.requestBody');
type ReadingRequest = IncomingMessage & { [STATE]?: BodyState };

function tooLarge(limit: number): BodyRead {
  return {
    ok: false,
    status: 413,
    message: `the request body exceeds the webhook's limit of ${limit} bytes; the object is too large to admit`,
  };
}

function settle(req: ReadingRequest, result: BodyRead): void {
  const state = req[STATE];
  if (state === undefined) return;
  req[STATE] = undefined;
  req.off('data', onData);
  req.off('end', onEnd);
  req.off('error', onError);
  req.off('close', onClose);
  state.resolve(result);
}

function onData(this: ReadingRequest, chunk: Buffer): void {
  const state = this[STATE];
  if (state === undefined) return;
  state.received += chunk.length;
  if (state.received > state.limit) settle(this, tooLarge(state.limit));
  else state.chunks.push(chunk);
}

function onEnd(this: ReadingRequest): void {
  const state = this[STATE];
  if (state === undefined) return;
  const { announced, received, chunks } = state;
  if (announced !== undefined && received !== announced) {
    settle(this, {
      ok: false,
      status: 400,
      message: `the request could not be read: ${received} bytes arrived, Content-Length said ${announced}`,
    });
    return;
  }
  settle(this, {
    ok: true,
    body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received),
  });
}

function onError(this: ReadingRequest, err: Error): void {
  settle(this, {
    ok: false,
    status: 400,
    message: `the request could not be read: ${err.message}`,
  });
}

/** A connection closed before the end of the body (the client gave up, a proxy cut it). */
function onClose(this: ReadingRequest): void {
  settle(this, {
    ok: false,
    status: 400,
    message: 'the request could not be read: the connection closed before the body ended',
  });
}

/**
 * Reads a request body of at most `limit` bytes. A body over the limit (announced by
 * Content-Length or found while reading), one shorter or longer than announced, and a request
 * that fails or is aborted give a failure with the HTTP status of the problem; it never throws.
 */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const header = req.headers['content-length'];
    const announced = header === undefined ? undefined : Number(header);
    if (announced !== undefined && announced > limit) {
      resolve(tooLarge(limit));
      return;
    }
    (req as ReadingRequest)[STATE] = { limit, announced, resolve, chunks: [], received: 0 };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
