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
    private readonly statefulSet: string,
  ) {}

  /** The namespace and the ServiceAccount its pods name (no controller-manager creates it). */
  async prepare(): Promise<void> {
    await this.kubectl(['create', 'namespace', this.namespace], true);
    await this.kubectl(['create', 'serviceaccount', 'default', '-n', this.namespace], true);
  }

  /**
   * Creates the pod, bound to a node: what the allocator's watch sees before the container runs
   * (a pod not yet Ready counts for the not-ready grace period, so it joins the pool now).
   */
  async create(name: string): Promise<void> {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: this.namespace,
        labels: this.labels,
        // A StatefulSet's pod, as the operator runs a `mode: statefulset` collector. No controller
        // runs here, so the owner need not exist; the allocator reads only the reference.
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            name: this.statefulSet,
            uid: '00000000-0000-4000-8000-000000000001',
            controller: true,
          },
        ],
      },
      spec: {
        nodeName: 'node-0',
        serviceAccountName: 'default',
        containers: [{ name: 'otc-container', image: 'otelcol-otel-ta:0.165.0' }],
      },
    };
    await this.kubectl(['apply', '-f', '-'], false, JSON.stringify(pod));
  }

  /** Marks the pod Running and Ready, as the kubelet does once the container started. */
  async markReady(name: string, podIp: string): Promise<void> {
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
   * A graceful deletion's first half, what `kubectl delete pod` does: the API server sets the
   * deletionTimestamp (the moment the kubelet sends SIGTERM) and keeps the object.
   */
  async beginDeletion(name: string): Promise<void> {
    await this.kubectl(['delete', 'pod', name, '-n', this.namespace, '--wait=false']);
  }

  /** Its second half, the kubelet's once the container exited: the object goes away. */
  async finishDeletion(name: string): Promise<void> {
    const force = ['--grace-period=0', '--force'];
    await this.kubectl(['delete', 'pod', name, '-n', this.namespace, ...force]);
  }

  private async kubectl(args: string[], mayExist = false, input?: string): Promise<void> {
    const r = await this.cp.kubectl(args, input === undefined ? {} : { input });
    if (r.code !== 0 && !(mayExist && r.stderr.includes('AlreadyExists'))) {
      throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
    }
  }
}
