// Keeps the API key out of every message we build: server text and transport errors can echo
// request details, so anything that becomes a RemoteError message passes through here.

const REPLACEMENT = '[redacted]';

/** Replace every occurrence of `secret` in `text` (this also covers an echoed `Bearer <secret>`). */
export function redactSecret(text: string, secret: string): string {
  if (secret.length === 0) return text;
  return text.split(secret).join(REPLACEMENT);
}

/** A URL safe to show: origin and path only (query strings never carry the key, but may carry names). */
export function describeUrl(url: string | URL): string {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return `${parsed.origin}${parsed.pathname}`;
}
