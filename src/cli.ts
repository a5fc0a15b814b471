#!/usr/bin/env node
import { Command } from 'commander';
import { registerAllocatorCommand } from './commands/allocator.js';
import { registerCertsCommand } from './commands/certs.js';
import { registerControllerCommand } from './commands/controller.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerRelabelCommand } from './commands/relabel.js';
import { registerRenderCommand } from './commands/render.js';
import { registerWebhookCommand } from './commands/webhook.js';

/**
 * The CLI: each command's module is that command's composition root (it builds the components and
 * owns their start/stop); this file only lists them.
 */
export function buildProgram(): Command {
  const program = new Command('otel-ta')
    .description('Target Allocator for OpenTelemetry Collectors on Kubernetes')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride((err) => {
      // commander exits 1 on bad flags; our contract is 2 for usage errors, 0 for --help/--version.
      const helpOrVersion =
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help';
      process.exit(helpOrVersion ? 0 : 2);
    });
  registerDemoCommand(program);
  registerAllocatorCommand(program);
  registerWebhookCommand(program);
  registerControllerCommand(program);
  registerRenderCommand(program);
  registerCertsCommand(program);
  registerRelabelCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
