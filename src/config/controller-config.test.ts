import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import {
  buildControllerConfig,
  CONTROLLER_DEFAULTS,
  type ControllerFlags,
} from './controller-config.js';

const flags = (overrides: Partial<ControllerFlags> = {}): ControllerFlags => ({
  ...CONTROLLER_DEFAULTS,
  mutatingWebhookConfiguration: [],
  validatingWebhookConfiguration: [],
  ...overrides,
});

describe('buildControllerConfig', () => {
  it('defaults: in-cluster, all namespaces, no leader election, no certificate management', () => {
    const config = buildControllerConfig(flags(), {});
    expect(config).toMatchObject({
      kubeconfigPath: undefined,
      namespace: undefined,
      standalone: false,
      resyncMs: 300_000,
      workers: 2,
      leaderElection: undefined,
      certificates: undefined,
    });
  });

  it('leader election takes the lease namespace from POD_NAMESPACE and a unique identity', () => {
    const config = buildControllerConfig(flags({ leaderElect: true }), {
      POD_NAMESPACE: 'otel-ta-system',
      POD_NAME: 'otel-ta-abc',
    });
    expect(config.leaderElection).toMatchObject({
      leaseName: 'otel-ta-controller',
      leaseNamespace: 'otel-ta-system',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(config.leaderElection?.identity).toMatch(/^otel-ta-abc_[0-9a-f]{8}$/);
  });

  it('rejects leader election without a namespace, naming the flag', () => {
    expect(() => buildControllerConfig(flags({ leaderElect: true }), {})).toThrow(
      /--leader-election-namespace/,
    );
  });

  it('rejects lease timings that cannot work', () => {
    const bad = flags({ leaderElect: true, leaderElectionNamespace: 'x', renewDeadline: '20s' });
    expect(() => buildControllerConfig(bad, {})).toThrow(UsageError);
  });

  it('rejects bad durations and worker counts as usage errors', () => {
    expect(() => buildControllerConfig(flags({ resyncPeriod: '5 minutes' }), {})).toThrow(
      /--resync-period/,
    );
    expect(() => buildControllerConfig(flags({ workers: '0' }), {})).toThrow(/--workers/);
  });

  it('certificate management collects the webhook configurations and the CRD', () => {
    const config = buildControllerConfig(
      flags({
        manageCertificates: true,
        mutatingWebhookConfiguration: ['m'],
        validatingWebhookConfiguration: ['v'],
        crdName: 'opentelemetrycollectors.opentelemetry.io',
      }),
      { POD_NAMESPACE: 'otel-ta-system' },
    );
    expect(config.certificates).toEqual({
      serviceName: 'otel-ta-webhook',
      serviceNamespace: 'otel-ta-system',
      secretName: 'otel-ta-webhook-tls',
      mutatingWebhookConfigurations: ['m'],
      validatingWebhookConfigurations: ['v'],
      crdName: 'opentelemetrycollectors.opentelemetry.io',
      caValidityDays: 3650,
      servingValidityDays: 365,
      checkIntervalMs: 60_000,
    });
  });

  it('parses the health address, and off disables it', () => {
    expect(buildControllerConfig(flags(), {}).health).toEqual({ host: '0.0.0.0', port: 8081 });
    expect(buildControllerConfig(flags({ healthAddr: '127.0.0.1:0' }), {}).health).toEqual({
      host: '127.0.0.1',
      port: 0,
    });
    expect(buildControllerConfig(flags({ healthAddr: 'off' }), {}).health).toBeUndefined();
    expect(() => buildControllerConfig(flags({ healthAddr: 'nope' }), {})).toThrow(/--health-addr/);
  });
});
