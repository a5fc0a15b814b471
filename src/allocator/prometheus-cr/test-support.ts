import type { TranslationContext } from './endpoint-settings.js';

/** The stored values a test context serves, keyed `namespace/name/key`. */
export interface TestStores {
  readonly secrets?: Readonly<Record<string, string>>;
  readonly configMaps?: Readonly<Record<string, string>>;
}

/** Shared by the prometheus-cr translation tests: a context over in-memory Secrets and ConfigMaps. */
export function testTranslationContext(
  stores: TestStores,
  overrides: Partial<TranslationContext> = {},
): TranslationContext {
  const { secrets = {}, configMaps = {} } = stores;
  return {
    defaultScrapeInterval: '30s',
    denyFsAccess: false,
    secrets: (ns, name, key) => secrets[`${ns}/${name}/${key}`],
    configMaps: (ns, name, key) => configMaps[`${ns}/${name}/${key}`],
    scrapeClasses: [],
    secretNamespaces: [],
    ...overrides,
  };
}
