import { cachedBuildOutput } from './cached-build.js';

/**
 * The real OpenTelemetry Collector the e2e tests and bench:rebalance run, built from Go modules by
 * scripts/build-otelcol.sh with the collector builder (test/otelcol/builder-config.yaml).
 */
export function otelcolBinary(): Promise<string> {
  return cachedBuildOutput('build-otelcol.sh', 'OTEL_TA_OTELCOL_BIN');
}
