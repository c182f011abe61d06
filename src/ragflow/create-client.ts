// The one way the app gets a KbClient: validates the options, owns the HTTP agent, and for
// api:'auto' asks the server which API it speaks.

import type { Dispatcher } from 'undici';
import type { ClientOptions, KbClient, Result } from '../sync/ports.js';
import { probeApi } from './api-probe.js';
import { HttpTransport } from './http-transport.js';
import { LegacyClient } from './legacy-client.js';
import { ok, remoteError } from './remote-error.js';
import { V1Client } from './v1-client.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface ClientDeps {
  /** Replaces the client's own undici Agent (tests; a proxy or custom-CA agent). Not closed by the client. */
  readonly dispatcher?: Dispatcher;
  /** Clock for Retry-After dates. */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

function checkOptions(options: ClientOptions): Result<URL> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return remoteError('protocol', `server url ${JSON.stringify(options.url)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return remoteError('protocol', `server url must be http or https, got ${url.protocol}`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return remoteError('protocol', `server url must not carry credentials, a query or a fragment: ${url.origin}${url.pathname}`);
  }
  // The legacy server takes the key as the second word of the header: whitespace would cut it.
  if (options.apiKey === '' || /\s/.test(options.apiKey)) return remoteError('auth', 'the API key is empty or contains whitespace');
  const timeout = options.requestTimeoutMs;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    return remoteError('protocol', `requestTimeoutMs must be a positive number of milliseconds, got ${timeout}`);
  }
  return ok(url);
}

export async function createClient(options: ClientOptions, deps: ClientDeps = {}): Promise<Result<KbClient>> {
  const checked = checkOptions(options);
  if (!checked.ok) return checked;
  const http = new HttpTransport({
    url: checked.value.href,
    apiKey: options.apiKey,
    scheduler: options.scheduler,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    dispatcher: deps.dispatcher,
    ...(deps.now !== undefined ? { now: deps.now } : {}),
  });
  switch (options.api) {
    case 'legacy':
      return ok(new LegacyClient(http));
    case 'v1':
      return ok(new V1Client(http));
    case 'auto': {
      const probed = await probeApi(http, deps.signal);
      if (!probed.ok) {
        await http.close();
        return probed;
      }
      return ok(probed.value.api === 'v1' ? new V1Client(http) : new LegacyClient(http, { listingBroken: probed.value.listingBroken }));
    }
  }
}
