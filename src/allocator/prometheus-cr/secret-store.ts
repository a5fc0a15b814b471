import type { KubeObject } from '../../k8s/object.js';

/** Decodes one key of a Secret from an informer cache (`data` values are base64). */
export function secretValue(secret: KubeObject | undefined, key: string): string | undefined {
  const data = secret?.data;
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, key)) return undefined;
  const encoded = (data as Record<string, unknown>)[key];
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}

/** One key of a ConfigMap from an informer cache (`data` is plain text; `binaryData` is not read). */
export function configMapValue(configMap: KubeObject | undefined, key: string): string | undefined {
  const data = configMap?.data;
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, key)) return undefined;
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}
