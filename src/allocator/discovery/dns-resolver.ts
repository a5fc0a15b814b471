import { Resolver } from 'node:dns/promises';

export interface SrvRecordLike {
  readonly name: string;
  readonly port: number;
}

export interface MxRecordLike {
  readonly exchange: string;
}

/** The lookups dns_sd needs; node's `dns.promises.Resolver` satisfies it. Tests inject a fake. */
export interface DnsResolver {
  resolveSrv(name: string): Promise<SrvRecordLike[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolveMx(name: string): Promise<MxRecordLike[]>;
  resolveNs(name: string): Promise<string[]>;
}

export function systemDnsResolver(): DnsResolver {
  return new Resolver();
}
