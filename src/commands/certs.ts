import type { Command } from 'commander';
import { OtelTaError } from '../errors.js';
import { runAction } from './run-action.js';

// Scaffolding: the owner of this command replaces this module with its composition root.
export function registerCertsCommand(program: Command): void {
  program
    .command('certs')
    .description('certs (in progress)')
    .action(
      runAction(() => {
        throw new OtelTaError('NOT_IMPLEMENTED', 'the certs command is not implemented yet');
      }),
    );
}
