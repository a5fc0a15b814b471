import type { KubeObject } from '../../k8s/object.js';

/** Decodes one key of a Secret from an informer cache (`data` values are base64). */
export function secretValue(secret: KubeObject | undefined, key: string): string | undefined {
  const data = secret?.data;
  if (typeof data !== 'object' || data === null || !Object.hasOwn(data, key)) return undefined;
  const encoded = (data as Record<string, unknown>)[key];
  return typeof encoded === 'string' ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
}
