import { errorMessage } from '../errors.js';

/**
 * The reason a YAML text failed to parse, with its line and column but without the lines of text
 * the parser quotes after them: a config file's bad line is often the one holding a password or a
 * token, and this message goes to stderr and to the logs of a failed reload.
 */
export function yamlSyntaxReason(err: unknown): string {
  const firstLine = errorMessage(err).split('\n')[0] ?? '';
  return firstLine.endsWith(':') ? firstLine.slice(0, -1) : firstLine;
}
