import { pino, stdSerializers, type Logger, type LoggerOptions } from 'pino';
import { LOG_SECRET_CENSOR, redactLogFields } from './redact-log.js';

export type { Logger } from 'pino';

/**
 * Secrets may appear in scrape configs and admission objects. These fixed paths are pino's own
 * redaction; `redactLogFields` (every line, any depth, errors included) catches what they cannot:
 * a top-level `password`, a secret nested deeper than one level, `Authorization` as clients spell it.
 */
export const REDACTED_PATHS: readonly string[] = [
  '*.password',
  '*.credentials',
  '*.bearer_token',
  '*.client_secret',
  '*.key',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

function passSerializedErrors(value: unknown): unknown {
  return value instanceof Error ? stdSerializers.err(value) : value;
}

export interface LoggerConfig {
  readonly level: string;
  readonly name: string;
}

export function createLogger(config: LoggerConfig, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level,
    redact: { paths: [...REDACTED_PATHS], censor: LOG_SECRET_CENSOR },
    formatters: { log: redactLogFields },
    // redactLogFields has serialized every error already (to look into it); serializing that
    // plain object again would name its type `Object`.
    serializers: { err: passSerializedErrors },
  };
  return destination === undefined
    ? pino(options)
    : pino(options, destination as unknown as pino.DestinationStream);
}

/** A logger that writes nothing, for tests and for library use without a sink. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
