// RAGFlow's JSON envelopes in both eras: `{retcode, retmsg, data}` (≤ v0.13) and `{code, message, data}`.
// Normalised to one shape so the clients never look at raw keys (ragflow-api.md §2.1).

import { z } from 'zod';

export interface Envelope {
  readonly code: number;
  /** RAGFlow's message; '' when the envelope had none (v1 successes carry no `message`). */
  readonly message: string;
  /** `data` as sent; undefined when the key was absent. */
  readonly data: unknown;
}

const envelopeSchema = z.looseObject({
  code: z.number().optional(),
  retcode: z.number().optional(),
  message: z.unknown().optional(),
  retmsg: z.unknown().optional(),
  data: z.unknown().optional(),
});

/** The envelope inside a parsed JSON value, or undefined when it is not RAGFlow-shaped
 *  (for example the v0.23 404 body `{"error":…,"message":…}` with no code). */
export function parseEnvelope(json: unknown): Envelope | undefined {
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const code = parsed.data.code ?? parsed.data.retcode;
  if (code === undefined || !Number.isInteger(code)) return undefined;
  const rawMessage = parsed.data.message ?? parsed.data.retmsg;
  const message = typeof rawMessage === 'string' ? rawMessage : rawMessage === undefined || rawMessage === null ? '' : JSON.stringify(rawMessage);
  return { code, message, data: parsed.data.data };
}

/** Parse body text as an envelope; undefined for anything that is not JSON or not an envelope. */
export function parseEnvelopeText(text: string): Envelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return parseEnvelope(json);
}

/** Success is code 0 — except `data:false`, which RAGFlow uses with code 0 for a few refusals
 *  (v1 "`Authorization` can't be empty", legacy "Can't find doc_names or doc_ids"). */
export function isSuccess(envelope: Envelope): boolean {
  return envelope.code === 0 && envelope.data !== false;
}
