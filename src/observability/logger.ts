import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Secrets may appear in scrape configs and admission objects; pino removes these paths before a
 * line is written, so a debug log can never leak them.
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

export interface LoggerConfig {
  readonly level: string;
  readonly name: string;
}

export function createLogger(config: LoggerConfig, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    name: config.name,
    level: config.level,
    redact: { paths: [...REDACTED_PATHS], censor: '<secret>' },
  };
  return destination === undefined
    ? pino(options)
    : pino(options, destination as unknown as pino.DestinationStream);
}

/** A logger that writes nothing, for tests and for library use without a sink. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
