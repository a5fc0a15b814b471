/**
 * The documentation's OpenTelemetryCollector, embedded so the demo works from the built package
 * (which ships no test fixtures). A test keeps it identical to
 * test/fixtures/collectors/collector-with-ta.v1alpha1.yaml.
 */
export const DOCUMENTATION_MANIFEST_YAML = `# The documentation's example: a StatefulSet pool with the target allocator enabled, one scrape
# job with static targets, remote write to Amazon Managed Prometheus signed with SigV4.
apiVersion: opentelemetry.io/v1alpha1
kind: OpenTelemetryCollector
metadata:
  name: collector-with-ta
  namespace: observability
spec:
  mode: statefulset
  replicas: 3
  targetAllocator:
    enabled: true
  config: |
    receivers:
      prometheus:
        config:
          scrape_configs:
          - job_name: 'otel-collector'
            scrape_interval: 10s
            static_configs:
            - targets: [ '0.0.0.0:8888' ]
            metric_relabel_configs:
            - action: labeldrop
              regex: (id|name)
              replacement: $$1

    extensions:
      # SigV4 signs the remote-write requests with the pod's AWS credentials.
      sigv4auth:
        region: us-west-2
        service: aps

    processors:
      batch: {}

    exporters:
      prometheusremotewrite:
        endpoint: https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-0123456789abcdef/api/v1/remote_write
        auth:
          authenticator: sigv4auth

    service:
      extensions: [sigv4auth]
      pipelines:
        metrics:
          receivers: [prometheus]
          processors: [batch]
          exporters: [prometheusremotewrite]
`;
