import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';

/** A raw TCP connection that collects everything the server sends (as latin1 text). */
export interface RawConnection {
  readonly socket: Socket;
  readonly received: () => string;
  readonly closed: Promise<void>;
}

/** Opens a connection to 127.0.0.1:`port`; the caller destroys `socket` when done. */
export async function openRawConnection(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (text += d));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => text, closed };
}

/** Polls `check` every 10 ms for up to 3 s, then asserts it holds. */
export async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}
