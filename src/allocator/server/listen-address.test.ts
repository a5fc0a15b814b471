import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { parseListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  it('reads Go-style addresses', () => {
    expect(parseListenAddress(':8080')).toEqual({ host: undefined, port: 8080 });
    expect(parseListenAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
  });

  it('rejects an address without a valid port as a usage error', () => {
    expect(() => parseListenAddress('localhost')).toThrow(UsageError);
    expect(() => parseListenAddress(':http')).toThrow(UsageError);
    expect(() => parseListenAddress(':70000')).toThrow(UsageError);
  });
});
