import { UsageError } from '../../errors.js';

export interface ListenAddress {
  /** Undefined means every interface, as Go's `:8080`. */
  readonly host: string | undefined;
  readonly port: number;
}

/**
 * Parses a Go-style listen address (`:8080`, `127.0.0.1:8080`, `[::1]:8080`, `localhost:0`) as the
 * upstream allocator's `listen_addr` takes it, so the same config files work here.
 */
export function parseListenAddress(value: string): ListenAddress {
  const colon = value.lastIndexOf(':');
  if (colon < 0) {
    throw new UsageError(
      'LISTEN_ADDR_INVALID',
      `listen address ${JSON.stringify(value)} has no port; write it as host:port or :port (e.g. ":8080")`,
    );
  }
  let host = value.slice(0, colon);
  const portText = value.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(
      'LISTEN_ADDR_INVALID',
      `listen address ${JSON.stringify(value)} has an invalid port; use a number from 0 to 65535`,
    );
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port };
}
