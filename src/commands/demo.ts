import type { Command } from 'commander';
import { OtelTaError } from '../errors.js';
import { runAction } from './run-action.js';

// Scaffolding: the owner of this command replaces this module with its composition root.
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('demo (in progress)')
    .action(
      runAction(() => {
        throw new OtelTaError('NOT_IMPLEMENTED', 'the demo command is not implemented yet');
      }),
    );
}
