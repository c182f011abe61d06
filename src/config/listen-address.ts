// `metrics.listen` values: "host:port" with an IPv4 address, "[IPv6]:port" or a host name. The endpoint
// has no authentication, so only loopback addresses are accepted unless the user overrides it explicitly.
import { isIP } from 'node:net';

export interface ListenAddress {
  /** As given, without IPv6 brackets (what server.listen() takes). */
  readonly host: string;
  /** 0 lets the system pick a free port (tests). */
  readonly port: number;
}

export type ParsedListen = { readonly ok: true; readonly value: ListenAddress } | { readonly ok: false; readonly problem: string };

export function parseListenAddress(text: string): ParsedListen {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]\s]+):(\d{1,5})$/.exec(text);
  if (!match) return { ok: false, problem: 'expected "host:port", e.g. "127.0.0.1:9464" or "[::1]:9464"' };
  const host = match[1] ?? '';
  const port = Number(match[2]);
  if (text.startsWith('[') && isIP(host) !== 6) return { ok: false, problem: `expected an IPv6 address inside the brackets, found "${host}"` };
  if (port > 65535) return { ok: false, problem: 'expected a port from 0 to 65535' };
  return { ok: true, value: { host, port } };
}

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === 'localhost') return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  if (isIP(lower) === 6) return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  return false;
}

/** A URL for people and logs: http://127.0.0.1:9464 or http://[::1]:9464. */
export function listenUrl(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
