import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import type { DnsResolver } from './dns-resolver.js';
import { createDnsSdFactory } from './dns-sd-provider.js';
import { ManualClock } from './manual-clock.js';
import { RecordingSink, counterValue, testContext, testDeps } from './test-support.js';

// A fake resolver: this machine has no DNS server we control, and the behaviour under test is
// how answers become targets, not the network lookup.
function fakeResolver(answers: Record<string, unknown>): DnsResolver {
  const answer = <T>(key: string): Promise<T> => {
    const value = answers[key];
    if (value instanceof Error) return Promise.reject(value);
    if (value === undefined) {
      return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    }
    return Promise.resolve(value as T);
  };
  return {
    resolveSrv: (name) => answer(`SRV ${name}`),
    resolve4: (name) => answer(`A ${name}`),
    resolve6: (name) => answer(`AAAA ${name}`),
    resolveMx: (name) => answer(`MX ${name}`),
    resolveNs: (name) => answer(`NS ${name}`),
  };
}

async function run(config: Record<string, unknown>, answers: Record<string, unknown>) {
  const clock = new ManualClock();
  const deps = testDeps({ clock, resolver: fakeResolver(answers) });
  const provider = createDnsSdFactory(deps)(config, testContext());
  const sink = new RecordingSink();
  await provider.start(sink.sink);
  await sink.waitFor(() => sink.emissions.length >= 1);
  return { sink, clock, deps, provider };
}

describe('dns_sd_configs', () => {
  it('turns SRV records into targets with Prometheus __meta_dns_* labels (default type SRV)', async () => {
    const { sink, provider } = await run(
      { names: ['_metrics._tcp.example.org'] },
      {
        'SRV _metrics._tcp.example.org': [
          { name: 'node1.example.org', port: 9100, priority: 0, weight: 0 },
        ],
      },
    );
    expect(sink.bySource.get('_metrics._tcp.example.org')?.targets).toEqual([
      {
        __address__: 'node1.example.org:9100',
        __meta_dns_name: '_metrics._tcp.example.org',
        __meta_dns_srv_record_target: 'node1.example.org.',
        __meta_dns_srv_record_port: '9100',
        __meta_dns_mx_record_target: '',
        __meta_dns_ns_record_target: '',
      },
    ]);
    await provider.stop();
  });

  it('uses the configured port for A, AAAA and MX records', async () => {
    const a = await run(
      { names: ['web'], type: 'A', port: 80 },
      { 'A web': ['10.0.0.1', '10.0.0.2'] },
    );
    expect(a.sink.addresses()).toEqual(['10.0.0.1:80', '10.0.0.2:80']);
    const aaaa = await run({ names: ['web'], type: 'AAAA', port: 80 }, { 'AAAA web': ['fd00::1'] });
    expect(aaaa.sink.addresses()).toEqual(['[fd00::1]:80']);
    const mx = await run(
      { names: ['mail'], type: 'MX', port: 25 },
      { 'MX mail': [{ exchange: 'mx1.example.org', priority: 1 }] },
    );
    expect(mx.sink.bySource.get('mail')?.targets[0]).toMatchObject({
      __address__: 'mx1.example.org:25',
      __meta_dns_mx_record_target: 'mx1.example.org.',
    });
    await Promise.all([a.provider.stop(), aaaa.provider.stop(), mx.provider.stop()]);
  });

  it('keeps the last good targets of a name whose lookup fails, and empties a name that no longer exists', async () => {
    const answers: Record<string, unknown> = { 'A a': ['10.0.0.1'], 'A b': ['10.0.0.2'] };
    const { sink, clock, deps, provider } = await run(
      { names: ['a', 'b'], type: 'A', port: 1 },
      answers,
    );
    expect(sink.addresses()).toEqual(['10.0.0.1:1', '10.0.0.2:1']);
    answers['A a'] = Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    delete answers['A b'];
    clock.advance(30_000);
    await sink.waitFor(() => sink.emissions.length >= 2);
    expect(sink.addresses()).toEqual(['10.0.0.1:1']);
    expect(await counterValue(deps.metrics, 'discoveryErrors')).toBe(1);
    await provider.stop();
  });

  it.each([
    [{ names: [] }, 'DNS-SD config must contain names'],
    [
      { names: ['x'], type: 'A' },
      'a port is required in DNS-SD configs for all record types except SRV',
    ],
    [{ names: ['x'], type: 'TXT' }, 'invalid DNS-SD records type "TXT"'],
    [{ names: ['x'], port: 'http' }, 'must be a port number'],
  ])('rejects %j at load', (config, message) => {
    const build = (): unknown => createDnsSdFactory(testDeps())(config, testContext());
    expect(build).toThrow(UsageError);
    expect(build).toThrow(message);
  });
});
