import { cachedBuildOutput } from './cached-build.js';

/** The real helm CLI the chart's tests run, built from its Go module (helm.sh/helm/v4). */
export function helmBinary(): Promise<string> {
  return cachedBuildOutput('build-helm.sh', 'OTEL_TA_HELM_BIN');
}
