/**
 * The objects of a deploy/ overlay that a control plane without nodes can use: the namespace, the
 * CRD, RBAC and the webhook configurations, with every `clientConfig.service` replaced by the URL of
 * a webhook running on this machine. What runs locally is what gets deployed, minus the pods.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

export type KubeObject = Record<string, unknown> & {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
};

/** Kinds that need pods (or a network) to mean anything; a node-less control plane skips them. */
const SKIPPED_KINDS = new Set([
  'Deployment',
  'Service',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'ConfigMap',
]);

const run = promisify(execFile);

/** `kubectl kustomize <dir>`, parsed. */
export async function buildOverlay(directory: string): Promise<KubeObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', directory], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** The policy file that the overlay's ConfigMap carries. */
export function policyOf(objects: readonly KubeObject[]): string | undefined {
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name === 'otel-ta-policy',
  );
  const data = configMap?.['data'] as Record<string, string> | undefined;
  return data?.['policy.yaml'];
}

/** The overlay's objects for a local control plane, with the webhook at `webhookUrl`. */
export function localObjects(
  objects: readonly KubeObject[],
  webhookUrl: string,
  caBundle: string,
): KubeObject[] {
  return objects
    .filter((o) => !SKIPPED_KINDS.has(o.kind))
    .map((o) => pointAtLocalWebhook(structuredClone(o), webhookUrl, caBundle));
}

type ClientConfig = { service?: { path?: string }; url?: string; caBundle?: string };

function toUrl(clientConfig: ClientConfig, webhookUrl: string, caBundle: string): ClientConfig {
  const path = clientConfig.service?.path ?? '/';
  return { url: `${webhookUrl}${path}`, caBundle };
}

function pointAtLocalWebhook(o: KubeObject, webhookUrl: string, caBundle: string): KubeObject {
  if (o.kind === 'MutatingWebhookConfiguration' || o.kind === 'ValidatingWebhookConfiguration') {
    const webhooks = o['webhooks'] as { clientConfig: ClientConfig }[];
    for (const w of webhooks) w.clientConfig = toUrl(w.clientConfig, webhookUrl, caBundle);
  }
  if (o.kind === 'CustomResourceDefinition') {
    const spec = o['spec'] as { conversion?: { webhook?: { clientConfig: ClientConfig } } };
    const webhook = spec.conversion?.webhook;
    if (webhook) webhook.clientConfig = toUrl(webhook.clientConfig, webhookUrl, caBundle);
  }
  return o;
}
