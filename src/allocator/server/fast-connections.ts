import type { Socket } from 'node:net';
import {
  INCOMPLETE,
  NOT_SIMPLE,
  readSimpleRequestHead,
  type SimpleRequest,
} from './request-head.js';
import type { RawAnswer } from './send-body.js';

/**
 * The allocator's fast path for keep-alive HTTP/1.1 connections. node:http spends about as much
 * CPU per request on its own machinery (parser callbacks into JS, IncomingMessage/ServerResponse,
 * stream state, per-request timers) as the kernel spends sending a 37 KB body; for the one route
 * every collector polls, that machinery is most of what we can save. So a connection starts here:
 * each simple request head (request-head.ts) whose answer the responder knows is answered with one
 * corked writev of prepared bytes. The first request that is not simple, or that the responder
 * declines, hands the connection (with the unread bytes) to node:http for the rest of its life,
 * so every other route, every error answer and every unusual request is node:http's as before.
 */

export interface FastConnectionsOptions {
  /** The answer bytes for a simple request, or undefined to hand the connection to node:http. */
  readonly respond: (request: SimpleRequest) => RawAnswer | undefined;
  /** Gives the socket to node:http, which must read `unread` before anything else. */
  readonly handOff: (socket: Socket, unread: Buffer) => void;
  /** Idle time after which a connection is closed (node:http's keepAliveTimeout). */
  readonly keepAliveTimeoutMs: number;
  /** Longest time a request head may take to arrive (node:http's headersTimeout). */
  readonly headersTimeoutMs: number;
  /** Longest request head read here (node:http's maxHeaderSize); a longer one goes to node:http. */
  readonly maxHeadBytes: number;
  /** Called with errors thrown while answering; the connection is closed. */
  readonly onError: (err: unknown) => void;
  readonly now?: () => number;
}

/** Connections currently served by the fast path (handed-off ones belong to node:http). */
export class FastConnections {
  private readonly sockets = new Set<Socket>();
  /** The clock (milliseconds since the epoch). */
  readonly now: () => number;
  private dateSecond = -1;
  private dateLines: Buffer = Buffer.alloc(0);

  constructor(private readonly options: FastConnectionsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts serving a new connection. */
  adopt(socket: Socket): void {
    this.sockets.add(socket);
    new FastConnection(socket, this, this.options);
  }

  /** Closes every connection still served here (for stop()). */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Number of connections served here; for tests. */
  size(): number {
    return this.sockets.size;
  }

  /** @internal */
  forget(socket: Socket): void {
    this.sockets.delete(socket);
  }

  /**
   * The lines node:http adds to a keep-alive answer, and the blank line; rebuilt once a second
   * (as node:http caches its Date) and shared by every answer of that second.
   */
  connectionLines(): Buffer {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      const date = new Date(second * 1000).toUTCString();
      const timeout = Math.floor(this.options.keepAliveTimeoutMs / 1000);
      this.dateLines = Buffer.from(
        `Date: ${date}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=${timeout}\r\n\r\n`,
        'latin1',
      );
    }
    return this.dateLines;
  }
}

class FastConnection {
  /** Bytes of a request head not complete yet (or not read yet while waiting for 'drain'). */
  private pending: Buffer | undefined;
  private pendingSince: number | undefined;
  private readonly onData = (chunk: Buffer): void => {
    const buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    if (this.socket.writableNeedDrain) {
      // A new request while the last answers are still not read: stop reading until the client
      // catches up, as node:http does, so answers cannot pile up in memory without bound.
      this.pending = buf;
      this.socket.pause();
      return;
    }
    this.serve(buf, 0);
  };
  private readonly onDrain = (): void => {
    const buf = this.pending;
    this.pending = undefined;
    this.socket.resume();
    if (buf !== undefined) this.serve(buf, 0);
  };
  // The http server accepts half-open connections: answers are written synchronously, so once the
  // client has finished sending there is nothing left to do but finish.
  private readonly onEnd = (): void => {
    this.socket.end();
  };
  private readonly onTimeout = (): void => {
    this.socket.destroy();
  };
  private readonly onError = (): void => {
    // Resets and broken pipes of clients that went away: nothing to answer.
    this.socket.destroy();
  };
  private readonly onClose = (): void => {
    this.connections.forget(this.socket);
  };

  /** Every socket listener of the fast path: added on adoption, all removed on hand-off. */
  private listeners(): readonly (readonly [string, (chunk: Buffer) => void])[] {
    return [
      ['data', this.onData],
      ['drain', this.onDrain],
      ['end', this.onEnd],
      ['timeout', this.onTimeout],
      ['error', this.onError],
      ['close', this.onClose],
    ];
  }

  constructor(
    private readonly socket: Socket,
    private readonly connections: FastConnections,
    private readonly options: FastConnectionsOptions,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(options.keepAliveTimeoutMs);
    for (const [event, listener] of this.listeners()) socket.on(event, listener);
  }

  private serve(buf: Buffer, from: number): void {
    let start = from;
    while (start < buf.length) {
      const reading = readSimpleRequestHead(buf, start, this.options.maxHeadBytes);
      if (reading === INCOMPLETE) {
        this.keepIncomplete(buf.subarray(start));
        return;
      }
      if (reading === NOT_SIMPLE) {
        this.handOff(buf.subarray(start));
        return;
      }
      let answer: RawAnswer | undefined;
      try {
        answer = this.options.respond(reading);
      } catch (err) {
        this.options.onError(err);
        this.socket.destroy();
        return;
      }
      if (answer === undefined) {
        this.handOff(buf.subarray(start));
        return;
      }
      this.write(answer);
      start += reading.length;
      this.pendingSince = undefined;
      if (this.socket.writableNeedDrain && start < buf.length) {
        // The client reads slower than it pipelines: stop reading until it catches up.
        this.pending = buf.subarray(start);
        this.socket.pause();
        return;
      }
    }
  }

  private write(answer: RawAnswer): void {
    const socket = this.socket;
    socket.cork();
    socket.write(answer.head);
    socket.write(this.connections.connectionLines());
    if (answer.body !== undefined && answer.body.length > 0) socket.write(answer.body);
    socket.uncork();
  }

  private keepIncomplete(rest: Buffer): void {
    const now = this.connections.now();
    if (this.pendingSince === undefined) this.pendingSince = now;
    else if (now - this.pendingSince > this.options.headersTimeoutMs) {
      this.socket.destroy();
      return;
    }
    // A copy: a view would keep the whole (up to 64 KiB) read chunk alive.
    this.pending = Buffer.from(rest);
  }

  private handOff(unread: Buffer): void {
    const socket = this.socket;
    for (const [event, listener] of this.listeners()) socket.off(event, listener);
    socket.setTimeout(0);
    this.connections.forget(socket);
    this.options.handOff(socket, unread);
  }
}
