import type { Command } from 'commander';
import { isIP } from 'node:net';
import {
  caBundle,
  createCertificateAuthority,
  issueServingCertificate,
  serviceDnsNames,
  writeCertificateFiles,
} from '../certs/index.js';
import { UsageError } from '../errors.js';
import { collect, runAction } from './run-action.js';

interface CertsFlags {
  readonly out: string;
  readonly service?: string;
  readonly namespace?: string;
  readonly dns: string[];
  readonly ip: string[];
  readonly validityDays: string;
}

function parseValidityDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new UsageError(
      'CERTS_BAD_VALIDITY',
      `--validity-days must be a whole number from 1 to 3650, got "${value}"`,
    );
  }
  return days;
}

function dnsNamesFrom(flags: CertsFlags): string[] {
  const fromService =
    flags.service === undefined ? [] : serviceDnsNames(flags.service, flags.namespace ?? 'default');
  if (flags.service === undefined && flags.namespace !== undefined) {
    throw new UsageError('CERTS_NAMESPACE_WITHOUT_SERVICE', '--namespace needs --service NAME');
  }
  return [...new Set([...fromService, ...flags.dns])];
}

/** `otel-ta certs`: a CA and a serving certificate for the webhook, for development and tests. */
export function registerCertsCommand(program: Command): void {
  program
    .command('certs')
    .description(
      'generate a CA and a serving certificate (ca.crt, tls.crt, tls.key) and print the base64 caBundle',
    )
    .option(
      '--out <dir>',
      'directory to write ca.crt, tls.crt and tls.key (mode 0600) into',
      'certs',
    )
    .option(
      '--service <name>',
      'webhook Service name: adds <svc>, <svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local',
    )
    .option('--namespace <ns>', 'namespace of the Service (default "default")')
    .option('--dns <name>', 'an extra DNS SAN (repeatable)', collect, [])
    .option('--ip <addr>', 'an extra IP SAN (repeatable)', collect, [])
    .option('--validity-days <n>', 'validity of both certificates in days', '365')
    .action(
      runAction(async (flags: CertsFlags) => {
        const validityDays = parseValidityDays(flags.validityDays);
        const badIp = flags.ip.find((ip) => isIP(ip) === 0);
        if (badIp !== undefined) {
          throw new UsageError('CERTS_BAD_IP', `--ip "${badIp}" is not an IPv4 or IPv6 address`);
        }
        const dnsNames = dnsNamesFrom(flags);
        if (dnsNames.length === 0 && flags.ip.length === 0) {
          throw new UsageError(
            'CERTS_NO_NAMES',
            'give the certificate a name: --service NAME --namespace NS, or --dns NAME / --ip ADDR',
          );
        }
        const ca = createCertificateAuthority({ commonName: 'otel-ta-webhook-ca', validityDays });
        const serving = issueServingCertificate(ca, {
          dnsNames,
          ipAddresses: flags.ip,
          validityDays,
        });
        const paths = await writeCertificateFiles(flags.out, ca, serving);
        process.stderr.write(
          `wrote ${paths.caCert}, ${paths.tlsCert}, ${paths.tlsKey}\ncaBundle:\n`,
        );
        process.stdout.write(`${caBundle(ca.certPem)}\n`);
      }),
    );
}
