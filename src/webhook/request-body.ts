import type { IncomingMessage } from 'node:http';

export type BodyRead =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly status: number; readonly message: string };

/**
 * Reads a request body of at most `limit` bytes. A body over the limit (announced by
 * Content-Length or found while reading), one shorter or longer than announced, and a request
 * that fails or is aborted give a failure with the HTTP status of the problem; it never throws.
 */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const tooLarge = (): BodyRead => ({
      ok: false,
      status: 413,
      message: `the request body exceeds the webhook's limit of ${limit} bytes; the object is too large to admit`,
    });
    const header = req.headers['content-length'];
    const announced = header === undefined ? undefined : Number(header);
    if (announced !== undefined && announced > limit) {
      resolve(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (result: BodyRead): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) settle(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (announced !== undefined && received !== announced) {
        settle({
          ok: false,
          status: 400,
          message: `the request could not be read: ${received} bytes arrived, Content-Length said ${announced}`,
        });
        return;
      }
      settle({
        ok: true,
        body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received),
      });
    };
    const onError = (err: Error): void =>
      settle({ ok: false, status: 400, message: `the request could not be read: ${err.message}` });
    // A connection closed before the end of the body (the client gave up, a proxy cut it).
    const onClose = (): void =>
      settle({
        ok: false,
        status: 400,
        message: 'the request could not be read: the connection closed before the body ended',
      });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
