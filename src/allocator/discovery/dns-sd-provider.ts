import { configError } from '../../config/allocator/object-reader.js';
import type { Labels, TargetGroup } from '../model.js';
import { countDiscoveryError, type DiscoveryDeps } from './deps.js';
import type { DnsResolver } from './dns-resolver.js';
import { PeriodicRefresher } from './periodic-refresher.js';
import type { DiscoveryProvider, ProviderFactory } from './provider.js';
import { readDuration, sdConfigReader } from './sd-config.js';

const RECORD_TYPES = ['SRV', 'A', 'AAAA', 'MX', 'NS'] as const;
type RecordType = (typeof RECORD_TYPES)[number];

/** "No such name" and "no records of that type" mean no targets, not a failure. */
const EMPTY_ANSWER_CODES = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Prometheus reports record targets as fully qualified names, with the trailing dot. */
function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

interface DnsTarget {
  readonly address: string;
  readonly srvTarget?: string;
  readonly srvPort?: string;
  readonly mxTarget?: string;
  readonly nsTarget?: string;
}

async function lookup(
  resolver: DnsResolver,
  name: string,
  type: RecordType,
  port: number,
): Promise<DnsTarget[]> {
  switch (type) {
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((r) => ({
        address: hostPort(trimDot(r.name), r.port),
        srvTarget: fqdn(r.name),
        srvPort: String(r.port),
      }));
    case 'A':
      return (await resolver.resolve4(name)).map((ip) => ({ address: hostPort(ip, port) }));
    case 'AAAA':
      return (await resolver.resolve6(name)).map((ip) => ({ address: hostPort(ip, port) }));
    case 'MX':
      return (await resolver.resolveMx(name)).map((r) => ({
        address: hostPort(trimDot(r.exchange), port),
        mxTarget: fqdn(r.exchange),
      }));
    case 'NS':
      return (await resolver.resolveNs(name)).map((ns) => ({
        address: hostPort(trimDot(ns), port),
        nsTarget: fqdn(ns),
      }));
  }
}

function toLabels(name: string, t: DnsTarget): Labels {
  return Object.freeze({
    __address__: t.address,
    __meta_dns_name: name,
    __meta_dns_srv_record_target: t.srvTarget ?? '',
    __meta_dns_srv_record_port: t.srvPort ?? '',
    __meta_dns_mx_record_target: t.mxTarget ?? '',
    __meta_dns_ns_record_target: t.nsTarget ?? '',
  });
}

/**
 * `dns_sd_configs`: resolves each name (SRV by default; A, AAAA, MX, NS with `port`) every
 * `refresh_interval`; one group per name, with Prometheus's `__meta_dns_*` labels. A name whose
 * lookup fails keeps its last good targets; a name that does not exist has none.
 */
export function createDnsSdFactory(deps: DiscoveryDeps): ProviderFactory {
  return (config, context): DiscoveryProvider => {
    const reader = sdConfigReader(config, 'dns_sd_configs', context);
    const names = reader.stringList('names') ?? [];
    const type = (reader.string('type') ?? 'SRV').toUpperCase();
    const rawPort = reader.raw('port');
    const intervalMs = readDuration(reader, 'refresh_interval', 30_000);
    reader.done();
    if (names.length === 0) throw configError(reader.path, 'DNS-SD config must contain names');
    if (!RECORD_TYPES.includes(type as RecordType)) {
      throw configError(
        reader.child('type'),
        `invalid DNS-SD records type "${type}" (valid: ${RECORD_TYPES.join(', ')})`,
      );
    }
    const port = rawPort === undefined || rawPort === null ? 0 : rawPort;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw configError(reader.child('port'), 'must be a port number');
    }
    if (type !== 'SRV' && port === 0) {
      throw configError(
        reader.path,
        'a port is required in DNS-SD configs for all record types except SRV',
      );
    }
    const logger = context.logger.child({ mechanism: 'dns_sd', job: context.job });
    const lastGood = new Map<string, TargetGroup>();

    const refreshName = async (name: string): Promise<TargetGroup> => {
      let targets: DnsTarget[];
      try {
        targets = await lookup(deps.resolver, name, type as RecordType, port);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === undefined || !EMPTY_ANSWER_CODES.has(code)) {
          countDiscoveryError(deps, context.job, 'dns_sd');
          logger.error({ err, name }, 'dns_sd: lookup failed; keeping the last good targets');
          return lastGood.get(name) ?? { source: name, targets: [], labels: {} };
        }
        targets = [];
      }
      const labels = targets.map((t) => toLabels(name, t));
      const previous = lastGood.get(name);
      // Same answer, same group object: nothing downstream is rebuilt.
      if (previous !== undefined && JSON.stringify(previous.targets) === JSON.stringify(labels)) {
        return previous;
      }
      const group: TargetGroup = { source: name, targets: labels, labels: {} };
      lastGood.set(name, group);
      return group;
    };

    const refresher = new PeriodicRefresher({
      intervalMs,
      clock: deps.clock,
      refresh: () => Promise.all(names.map(refreshName)),
      onError: (err) => logger.error({ err }, 'dns_sd: refresh failed'),
    });
    return {
      start(sink): Promise<void> {
        void refresher.start(sink);
        return Promise.resolve();
      },
      stop: () => refresher.stop(),
    };
  };
}
