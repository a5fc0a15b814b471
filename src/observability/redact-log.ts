import { stdSerializers } from 'pino';

export const LOG_SECRET_CENSOR = '<secret>';

/**
 * Field names whose value is a secret at any depth of a log line, compared case-insensitively with
 * `-` read as `_` (so the `Authorization` header a client sets and the `authorization` one node
 * reports are both caught). Scrape configs, kubeconfig users, HTTP request options and the errors
 * that carry them all use these names.
 */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'passphrase',
  'credentials',
  'bearer_token',
  'token',
  'auth_token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'client_certificate_key',
  // Not `secret`: the controller logs the *name* of its certificate Secret under it.
  'secrets',
  'secret_key',
  'api_key',
  'apikey',
  'x_api_key',
  'application_secret',
  'application_credential_secret',
  'consumer_key',
  'authorization',
  'proxy_authorization',
  'cookie',
  'set_cookie',
]);

/**
 * `key` is the private key of TLS options, but at the top of a line it is a work-queue key such as
 * `namespace/name`: it is a secret only inside an object, as it was with the `*.key` path before.
 */
const NESTED_SECRET_NAMES: ReadonlySet<string> = new Set(['key']);

/** pino writes no deeper than this (its `depthLimit`), so nothing deeper needs looking at. */
const MAX_DEPTH = 6;

const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

const NEEDS_NORMALIZING = /[A-Z-]/;

function isSecretName(name: string, depth: number): boolean {
  // Most names are lower-case already: normalize only those that are not (a line costs ~1 us less).
  const normalized = NEEDS_NORMALIZING.test(name) ? name.toLowerCase().replaceAll('-', '_') : name;
  return SECRET_NAMES.has(normalized) || (depth > 0 && NESTED_SECRET_NAMES.has(normalized));
}

function isErrorLike(value: object): value is Error {
  return value instanceof Error;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return PRIVATE_KEY_PEM.test(value) ? LOG_SECRET_CENSOR : value;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  // An error's own properties (request options, a config it failed on) are written too; serialize
  // it as pino would, then look into the result like any other object.
  if (isErrorLike(value)) return redactObject(stdSerializers.err(value), depth, true);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const redacted = redactValue(item, depth + 1);
      if (redacted !== item) {
        copy ??= value.slice();
        copy[i] = redacted;
      }
    }
    return copy ?? value;
  }
  // Only plain objects are walked: a Buffer, a Map or a class instance with its own toJSON is
  // written by its own rules.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  return redactObject(value as Record<string, unknown>, depth, false);
}

function redactObject(
  value: Record<string, unknown>,
  depth: number,
  alwaysCopy: boolean,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined = alwaysCopy ? { ...value } : undefined;
  for (const name of Object.keys(value)) {
    const child = value[name];
    const redacted =
      isSecretName(name, depth) && child !== undefined && child !== null && child !== ''
        ? LOG_SECRET_CENSOR
        : redactValue(child, depth + 1);
    if (redacted !== child) {
      copy ??= { ...value };
      copy[name] = redacted;
    }
  }
  return copy ?? value;
}

/**
 * The fields of one log line with every secret replaced by `<secret>`: values under a secret field
 * name at any depth (errors included) and PEM private keys wherever they are. The caller's objects
 * are never changed; a line without secrets is returned as it is.
 */
export function redactLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactObject(fields, 0, false);
}
