// pino setup: JSON lines on stdout for journald (synchronous, so nothing is lost on SIGTERM), readable
// lines on a TTY, and the API key redacted wherever it could travel.
import { createRequire } from 'node:module';
import { pino, type Logger, type DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';

/** pino-pretty is loaded only for a terminal: a service or a --sync into a pipe would pay ~20 ms for it. */
export function loadPinoPretty(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

export type { Logger };

export interface LogOptions {
  readonly level: string;
  /** Human-readable output (pino-pretty, in-process and synchronous). Default: stdout is a TTY. */
  readonly pretty?: boolean;
  /** Where lines go (default stdout, fd 1). */
  readonly destination?: DestinationStream;
  /** The secret to scrub from message strings, which pino's path-based redaction cannot reach. */
  readonly secret?: string;
}

const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'server.apiKey',
  'config.server.apiKey',
  'authorization',
  'headers.authorization',
  'headers["authorization"]',
  '*.headers.authorization',
  'err.headers.authorization',
  'err.apiKey',
];

export function createLogger(options: LogOptions): Logger {
  const usePretty = options.pretty ?? Boolean(process.stdout.isTTY);
  const destination =
    options.destination ??
    (usePretty
      ? loadPinoPretty()({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' })
      : pino.destination({ fd: 1, sync: true }));
  const secret = options.secret;
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: secret
        ? {
            // Message strings and nested error text are out of reach of path redaction: scrub the key itself.
            logMethod(args, method) {
              method.apply(
                this,
                args.map((arg) => scrubSecret(arg, secret)) as Parameters<typeof method>,
              );
            },
          }
        : {},
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}

/** Replace every occurrence of the secret in strings, error messages and plain objects (shallowly deep). */
export function scrubSecret(value: unknown, secret: string, depth = 0): unknown {
  if (!secret || depth > 4) return value;
  if (typeof value === 'string') return value.split(secret).join('[redacted]');
  if (value instanceof Error) {
    if (value.message.includes(secret) || (value.stack ?? '').includes(secret)) {
      const copy = new Error(value.message.split(secret).join('[redacted]'));
      copy.name = value.name;
      copy.stack = (value.stack ?? '').split(secret).join('[redacted]');
      return copy;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => scrubSecret(item, secret, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = scrubSecret(item, secret, depth + 1);
    return out;
  }
  return value;
}
