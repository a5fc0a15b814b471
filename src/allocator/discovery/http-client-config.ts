import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ObjectReader, configError } from '../../config/allocator/object-reader.js';
import type { HttpGetTls } from './http-get.js';

/**
 * The parts of Prometheus's HTTP client config that http_sd honours: basic_auth, authorization,
 * bearer_token(_file), tls_config, follow_redirects. Credential files are re-read on every
 * request, as Prometheus does, so rotated secrets apply without a reload.
 */
export interface HttpClientSettings {
  readonly followRedirects: boolean;
  headers(): Promise<Record<string, string>>;
  tls(): Promise<HttpGetTls>;
}

const UNSUPPORTED = [
  'oauth2',
  'proxy_url',
  'no_proxy',
  'proxy_connect_header',
  'http_headers',
] as const;

type Secret = { readonly value: string } | { readonly file: string } | undefined;

function secret(reader: ObjectReader, key: string, baseDir: string): Secret {
  const value = reader.string(key);
  const file = reader.string(`${key}_file`);
  if (value !== undefined && file !== undefined) {
    throw configError(reader.path, `at most one of ${key} and ${key}_file must be configured`);
  }
  if (file !== undefined) return { file: isAbsolute(file) ? file : resolve(baseDir, file) };
  return value === undefined ? undefined : { value };
}

async function reveal(s: Secret): Promise<string> {
  if (s === undefined) return '';
  return 'value' in s ? s.value : (await readFile(s.file, 'utf8')).trim();
}

async function readMaybe(s: Secret): Promise<string | undefined> {
  return s === undefined ? undefined : reveal(s);
}

/** Reads the HTTP client keys from an sd config entry (the caller reads its own keys and calls done()). */
export function parseHttpClientSettings(reader: ObjectReader, baseDir: string): HttpClientSettings {
  for (const key of UNSUPPORTED) {
    if (reader.has(key)) {
      throw configError(reader.child(key), 'is not supported by otel-ta discovery; remove it');
    }
    reader.raw(key);
  }
  if (reader.boolean('proxy_from_environment') === true) {
    throw configError(
      reader.child('proxy_from_environment'),
      'is not supported by otel-ta discovery',
    );
  }
  reader.boolean('enable_http2');
  const followRedirects = reader.boolean('follow_redirects') ?? true;

  const basic = reader.has('basic_auth')
    ? new ObjectReader(reader.raw('basic_auth'), reader.child('basic_auth'))
    : undefined;
  const basicUser = basic === undefined ? undefined : secret(basic, 'username', baseDir);
  const basicPassword = basic === undefined ? undefined : secret(basic, 'password', baseDir);
  basic?.done();

  const authz = reader.has('authorization')
    ? new ObjectReader(reader.raw('authorization'), reader.child('authorization'))
    : undefined;
  const authType = authz?.string('type') ?? 'Bearer';
  const authCredentials = authz === undefined ? undefined : secret(authz, 'credentials', baseDir);
  authz?.done();
  if (authz !== undefined && authType.toLowerCase() === 'basic') {
    throw configError(
      authz.path,
      'authorization type cannot be set to "basic", use "basic_auth" instead',
    );
  }

  const bearer = secret(reader, 'bearer_token', baseDir);
  const configured = [basic, authz, bearer].filter((x) => x !== undefined).length;
  if (configured > 1) {
    throw configError(
      reader.path,
      'at most one of basic_auth, authorization and bearer_token(_file) must be configured',
    );
  }

  const tls = parseTlsConfig(reader, baseDir);

  return {
    followRedirects,
    async headers(): Promise<Record<string, string>> {
      if (basic !== undefined) {
        const user = await reveal(basicUser);
        const password = await reveal(basicPassword);
        return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
      }
      if (authz !== undefined)
        return { authorization: `${authType} ${await reveal(authCredentials)}` };
      if (bearer !== undefined) return { authorization: `Bearer ${await reveal(bearer)}` };
      return {};
    },
    tls,
  };
}

function parseTlsConfig(reader: ObjectReader, baseDir: string): () => Promise<HttpGetTls> {
  const tlsReader = new ObjectReader(reader.raw('tls_config'), reader.child('tls_config'));
  const ca = secret(tlsReader, 'ca', baseDir);
  const cert = secret(tlsReader, 'cert', baseDir);
  const key = secret(tlsReader, 'key', baseDir);
  const servername = tlsReader.string('server_name');
  const insecure = tlsReader.boolean('insecure_skip_verify') ?? false;
  const minVersion = tlsReader.string('min_version');
  tlsReader.string('max_version');
  tlsReader.done();
  if ((cert === undefined) !== (key === undefined)) {
    throw configError(tlsReader.path, 'a client certificate needs both cert(_file) and key(_file)');
  }
  if (minVersion !== undefined && !['TLS12', 'TLS13'].includes(minVersion)) {
    throw configError(tlsReader.child('min_version'), 'must be TLS12 or TLS13');
  }

  return async () => ({
    ca: await readMaybe(ca),
    cert: await readMaybe(cert),
    key: await readMaybe(key),
    servername,
    rejectUnauthorized: !insecure,
    minVersion: minVersion === 'TLS13' ? 'TLSv1.3' : 'TLSv1.2',
  });
}
