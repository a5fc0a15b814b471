import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface Reply {
  readonly status: number;
  readonly text: string;
}

interface Connection {
  readonly socket: TLSSocket;
  /** The answer being awaited; undefined while the connection is idle. */
  pending: ((reply: Reply | Error) => void) | undefined;
  /** The answer's bytes so far, and how many. */
  chunks: Buffer[];
  received: number;
  /** Where the body starts once the headers are in (-1 before), its length and the status. */
  bodyStart: number;
  bodyLength: number;
  status: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * A minimal HTTP/1.1 client over keep-alive TLS connections, one request in flight per
 * connection, as the API server's webhook client holds them. Node's http client spends about as
 * much CPU per request as the webhook itself, and this process shares the 2 cores with it; this
 * one writes a prepared request and reads the answer by its Content-Length.
 */
export class ReviewConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: [string, (reply: Reply | Error) => void][] = [];
  private readonly all = new Set<Connection>();

  constructor(
    private readonly url: URL,
    private readonly ca: string,
    private readonly maxConnections: number,
  ) {}

  post(path: string, body: string): Promise<Reply> {
    const request = `POST ${path} HTTP/1.1\r\nHost: ${this.url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise((resolve, reject) => {
      const done = (reply: Reply | Error): void => {
        if (reply instanceof Error) reject(reply);
        else resolve(reply);
      };
      const connection = this.idle.pop() ?? this.open();
      if (connection === undefined) this.waiting.push([request, done]);
      else this.send(connection, request, done);
    });
  }

  close(): void {
    for (const connection of this.all) connection.socket.destroy();
  }

  private send(
    connection: Connection,
    request: string,
    done: (reply: Reply | Error) => void,
  ): void {
    connection.pending = done;
    connection.socket.write(request);
  }

  private open(): Connection | undefined {
    if (this.all.size >= this.maxConnections) return undefined;
    const socket = tlsConnect({
      host: this.url.hostname,
      port: Number(this.url.port),
      ca: this.ca,
    });
    // As the API server's Go client (Go's default): no Nagle delay on the last segment.
    socket.setNoDelay(true);
    const connection: Connection = {
      socket,
      pending: undefined,
      chunks: [],
      received: 0,
      bodyStart: -1,
      bodyLength: 0,
      status: 0,
    };
    this.all.add(connection);
    socket.on('data', (chunk: Buffer) => this.receive(connection, chunk));
    const fail = (err: Error): void => {
      this.all.delete(connection);
      const index = this.idle.indexOf(connection);
      if (index >= 0) this.idle.splice(index, 1);
      const pending = connection.pending;
      connection.pending = undefined;
      pending?.(err);
      // A request waiting for a connection gets a fresh one in place of this one.
      const next = this.waiting.shift();
      if (next === undefined) return;
      const replacement = this.open();
      if (replacement === undefined) this.waiting.unshift(next);
      else this.send(replacement, next[0], next[1]);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the connection closed')));
    return connection;
  }

  private receive(connection: Connection, chunk: Buffer): void {
    connection.chunks.push(chunk);
    connection.received += chunk.length;
    if (connection.bodyStart < 0) {
      // Headers are small: they sit in the first chunk or two.
      const head = connection.chunks.length === 1 ? chunk : Buffer.concat(connection.chunks);
      connection.chunks = [head];
      const headerEnd = head.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const text = head.subarray(0, headerEnd).toString('latin1');
      connection.status = Number(text.slice(9, 12));
      connection.bodyLength = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? NaN);
      connection.bodyStart = headerEnd + HEADER_END.length;
      if (!Number.isFinite(connection.bodyLength)) {
        connection.socket.destroy(new Error(`an answer without Content-Length: ${text}`));
        return;
      }
    }
    const end = connection.bodyStart + connection.bodyLength;
    if (!(connection.received >= end)) return;
    const whole =
      connection.chunks.length === 1 ? connection.chunks[0]! : Buffer.concat(connection.chunks);
    const text = whole.subarray(connection.bodyStart, end).toString('utf8');
    const rest = whole.subarray(end);
    const status = connection.status;
    connection.chunks = rest.length === 0 ? [] : [rest];
    connection.received = rest.length;
    connection.bodyStart = -1;
    const pending = connection.pending;
    connection.pending = undefined;
    const next = this.waiting.shift();
    if (next === undefined) this.idle.push(connection);
    else this.send(connection, next[0], next[1]);
    pending?.({ status, text });
  }
}
