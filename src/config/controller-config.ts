import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { parseGoDuration } from './allocator/duration.js';

/** The controller's flags as commander hands them over (strings, booleans, repeatable lists). */
export interface ControllerFlags {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly namespace?: string | undefined;
  readonly standalone?: boolean | undefined;
  readonly allocatorImage: string;
  readonly collectorImage: string;
  readonly resyncPeriod: string;
  readonly workers: string;
  readonly leaderElect?: boolean | undefined;
  readonly leaderElectionId: string;
  readonly leaderElectionNamespace?: string | undefined;
  readonly leaseDuration: string;
  readonly renewDeadline: string;
  readonly retryPeriod: string;
  readonly manageCertificates?: boolean | undefined;
  readonly webhookServiceName: string;
  readonly webhookServiceNamespace?: string | undefined;
  readonly webhookSecretName: string;
  readonly mutatingWebhookConfiguration: string[];
  readonly validatingWebhookConfiguration: string[];
  readonly crdName?: string | undefined;
  readonly caValidityDays: string;
  readonly certValidityDays: string;
  readonly certCheckInterval: string;
  readonly logLevel: string;
  readonly healthAddr: string;
}

/** The environment variables the controller reads (the pod's downward API). */
export interface ControllerEnvironment {
  readonly POD_NAMESPACE?: string | undefined;
  readonly POD_NAME?: string | undefined;
  readonly HOSTNAME?: string | undefined;
}

export interface LeaderElectionSettings {
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface CertificateSettings {
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly secretName: string;
  readonly mutatingWebhookConfigurations: readonly string[];
  readonly validatingWebhookConfigurations: readonly string[];
  readonly crdName: string | undefined;
  readonly caValidityDays: number;
  readonly servingValidityDays: number;
  readonly checkIntervalMs: number;
}

export interface ControllerConfig {
  readonly kubeconfigPath: string | undefined;
  readonly context: string | undefined;
  /** Watch collectors of this namespace only; undefined: all namespaces. */
  readonly namespace: string | undefined;
  readonly standalone: boolean;
  readonly allocatorImage: string;
  readonly collectorImage: string;
  readonly resyncMs: number;
  readonly workers: number;
  /** Undefined: no leader election (a single replica reconciles). */
  readonly leaderElection: LeaderElectionSettings | undefined;
  /** Undefined: certificates are managed elsewhere (cert-manager, `otel-ta certs`). */
  readonly certificates: CertificateSettings | undefined;
  readonly logLevel: string;
  /** Where /livez, /readyz and /metrics listen; undefined: not served. */
  readonly health: { readonly host: string; readonly port: number } | undefined;
}

export const CONTROLLER_DEFAULTS = {
  allocatorImage: 'ghcr.io/otel-ta/otel-ta:0.1.0',
  collectorImage: 'otel/opentelemetry-collector-contrib:0.120.0',
  resyncPeriod: '5m',
  workers: '2',
  leaderElectionId: 'otel-ta-controller',
  leaseDuration: '15s',
  renewDeadline: '10s',
  retryPeriod: '2s',
  webhookServiceName: 'otel-ta-webhook',
  webhookSecretName: 'otel-ta-webhook-tls',
  caValidityDays: '3650',
  certValidityDays: '365',
  // A wiped caBundle (`kubectl replace`, Argo CD Replace=true) or a deleted Secret fails every
  // webhook call until the next check; a check is four GETs, so it runs every minute.
  certCheckInterval: '1m',
  logLevel: 'info',
  healthAddr: ':8081',
} as const;

/** Pure: flags and environment to a validated config; every error names the flag to fix. */
export function buildControllerConfig(
  flags: ControllerFlags,
  env: ControllerEnvironment,
): ControllerConfig {
  const ownNamespace = nonEmpty(env.POD_NAMESPACE);
  const leaderElection =
    flags.leaderElect === true ? leaderElectionSettings(flags, ownNamespace, env) : undefined;
  return {
    kubeconfigPath: nonEmpty(flags.kubeconfig),
    context: nonEmpty(flags.context),
    namespace: nonEmpty(flags.namespace),
    standalone: flags.standalone === true,
    allocatorImage: required(flags.allocatorImage, '--allocator-image'),
    collectorImage: required(flags.collectorImage, '--collector-image'),
    resyncMs: duration(flags.resyncPeriod, '--resync-period'),
    workers: integer(flags.workers, '--workers', 1, 64),
    leaderElection,
    certificates:
      flags.manageCertificates === true ? certificateSettings(flags, ownNamespace) : undefined,
    logLevel: flags.logLevel,
    health: listenAddress(flags.healthAddr, '--health-addr'),
  };
}

/** `host:port` or `:port`; `off` (or empty) disables the listener. */
function listenAddress(value: string, flag: string): { host: string; port: number } | undefined {
  const v = value.trim();
  if (v === '' || v === 'off') return undefined;
  const colon = v.lastIndexOf(':');
  const port = Number(v.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(
      'CONTROLLER_BAD_ADDRESS',
      `${flag} must be host:port or :port (or off), got "${value}"`,
    );
  }
  const host = v.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function leaderElectionSettings(
  flags: ControllerFlags,
  ownNamespace: string | undefined,
  env: ControllerEnvironment,
): LeaderElectionSettings {
  const leaseNamespace = nonEmpty(flags.leaderElectionNamespace) ?? ownNamespace;
  if (leaseNamespace === undefined) {
    throw new UsageError(
      'CONTROLLER_NO_LEASE_NAMESPACE',
      '--leader-elect needs --leader-election-namespace (or the POD_NAMESPACE environment variable)',
    );
  }
  const leaseDurationMs = duration(flags.leaseDuration, '--lease-duration');
  const renewDeadlineMs = duration(flags.renewDeadline, '--renew-deadline');
  const retryPeriodMs = duration(flags.retryPeriod, '--retry-period');
  if (renewDeadlineMs >= leaseDurationMs || retryPeriodMs >= renewDeadlineMs) {
    throw new UsageError(
      'CONTROLLER_BAD_LEASE_TIMING',
      `leader election needs --retry-period < --renew-deadline < --lease-duration, got ${flags.retryPeriod}, ${flags.renewDeadline}, ${flags.leaseDuration}`,
    );
  }
  // Unique per process: a restarted pod with the same name must not believe it still leads.
  const pod = nonEmpty(env.POD_NAME) ?? nonEmpty(env.HOSTNAME) ?? 'otel-ta-controller';
  return {
    leaseName: required(flags.leaderElectionId, '--leader-election-id'),
    leaseNamespace,
    identity: `${pod}_${randomBytes(4).toString('hex')}`,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
  };
}

function certificateSettings(
  flags: ControllerFlags,
  ownNamespace: string | undefined,
): CertificateSettings {
  const serviceNamespace = nonEmpty(flags.webhookServiceNamespace) ?? ownNamespace;
  if (serviceNamespace === undefined) {
    throw new UsageError(
      'CONTROLLER_NO_WEBHOOK_NAMESPACE',
      '--manage-certificates needs --webhook-service-namespace (or the POD_NAMESPACE environment variable)',
    );
  }
  return {
    serviceName: required(flags.webhookServiceName, '--webhook-service-name'),
    serviceNamespace,
    secretName: required(flags.webhookSecretName, '--webhook-secret-name'),
    mutatingWebhookConfigurations: flags.mutatingWebhookConfiguration,
    validatingWebhookConfigurations: flags.validatingWebhookConfiguration,
    crdName: nonEmpty(flags.crdName),
    caValidityDays: integer(flags.caValidityDays, '--ca-validity-days', 1, 36500),
    servingValidityDays: integer(flags.certValidityDays, '--cert-validity-days', 1, 3650),
    checkIntervalMs: duration(flags.certCheckInterval, '--cert-check-interval'),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function required(value: string | undefined, flag: string): string {
  const v = nonEmpty(value);
  if (v === undefined) throw new UsageError('CONTROLLER_MISSING_FLAG', `${flag} must not be empty`);
  return v;
}

function duration(value: string, flag: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      'CONTROLLER_BAD_DURATION',
      `${flag} must be a positive duration such as 500ms, 30s or 5m, got "${value}"`,
    );
  }
  return ms;
}

function integer(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(
      'CONTROLLER_BAD_NUMBER',
      `${flag} must be a whole number from ${min} to ${max}, got "${value}"`,
    );
  }
  return n;
}
