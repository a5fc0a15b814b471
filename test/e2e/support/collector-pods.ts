import type { ControlPlane } from '../harness/control-plane.js';

/**
 * The collector pool as the allocator sees it on Kubernetes: Pod objects in the real API server,
 * matched by the allocator's `collector_selector`. The control plane runs no scheduler or kubelet,
 * so a pod is created already bound to a node and its status is patched Running/Ready here, as a
 * kubelet would once the collector's container started.
 */
export class CollectorPods {
  constructor(
    private readonly cp: ControlPlane,
    private readonly namespace: string,
    private readonly labels: Readonly<Record<string, string>>,
  ) {}

  /** The namespace and the ServiceAccount its pods name (no controller-manager creates it). */
  async prepare(): Promise<void> {
    await this.kubectl(['create', 'namespace', this.namespace], true);
    await this.kubectl(['create', 'serviceaccount', 'default', '-n', this.namespace], true);
  }

  /** Creates the pod (bound to a node) and marks it Running and Ready. */
  async join(name: string, podIp: string): Promise<void> {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: this.namespace, labels: this.labels },
      spec: {
        nodeName: 'node-0',
        serviceAccountName: 'default',
        containers: [{ name: 'otc-container', image: 'otelcol-otel-ta:0.165.0' }],
      },
    };
    await this.kubectl(['apply', '-f', '-'], false, JSON.stringify(pod));
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      status: {
        phase: 'Running',
        podIP: podIp,
        podIPs: [{ ip: podIp }],
        hostIP: '192.168.0.1',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      },
    };
    await this.kubectl([
      'patch',
      'pod',
      name,
      '-n',
      this.namespace,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    ]);
  }

  /**
   * Deletes the pod. Forced: without a kubelet nothing would confirm a graceful deletion, so the
   * object would linger with a deletionTimestamp; in a cluster the allocator's watch sees the
   * deletionTimestamp at the same moment the kubelet sends SIGTERM.
   */
  async leave(name: string): Promise<void> {
    await this.kubectl([
      'delete',
      'pod',
      name,
      '-n',
      this.namespace,
      '--grace-period=0',
      '--force',
    ]);
  }

  private async kubectl(args: string[], mayExist = false, input?: string): Promise<void> {
    const r = await this.cp.kubectl(args, input === undefined ? {} : { input });
    if (r.code !== 0 && !(mayExist && r.stderr.includes('AlreadyExists'))) {
      throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
    }
  }
}
