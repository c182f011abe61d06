import { describe, expect, it } from 'vitest';
import { isSuccess, parseEnvelope, parseEnvelopeText } from '../../src/ragflow/envelope.js';
import { errorEnvelopeOf } from '../../src/ragflow/content-hash.js';

describe('parseEnvelope', () => {
  it('reads the code/message era', () => {
    expect(parseEnvelope({ code: 102, message: "Can't find this knowledgebase!" })).toEqual({ code: 102, message: "Can't find this knowledgebase!", data: undefined });
  });

  it('reads the retcode/retmsg era (≤ v0.13)', () => {
    expect(parseEnvelope({ retcode: 109, retmsg: 'Token is not valid!"', data: false })).toEqual({ code: 109, message: 'Token is not valid!"', data: false });
  });

  it('accepts a v1 success without message', () => {
    const envelope = parseEnvelope({ code: 0, data: [1] });
    expect(envelope).toEqual({ code: 0, message: '', data: [1] });
    expect(envelope && isSuccess(envelope)).toBe(true);
  });

  it('treats code 0 with data:false as a refusal', () => {
    const envelope = parseEnvelope({ code: 0, message: "`Authorization` can't be empty", data: false });
    expect(envelope && isSuccess(envelope)).toBe(false);
  });

  it.each([
    ['a v0.23 404 body', { error: 'Not Found', message: 'The requested URL /x was not found' }],
    ['a string code', { code: '0', data: [] }],
    ['an array', [1, 2]],
    ['null', null],
  ])('rejects %s', (_label, json) => {
    expect(parseEnvelope(json)).toBeUndefined();
  });

  it('rejects text that is not JSON', () => {
    expect(parseEnvelopeText('<html>502 Bad Gateway</html>')).toBeUndefined();
  });
});

describe('errorEnvelopeOf (download answers)', () => {
  it('recognises a bare error envelope', () => {
    expect(errorEnvelopeOf(Buffer.from('{"code":102,"message":"Document not found!"}'))?.code).toBe(102);
  });

  it('does not mistake a stored JSON document for an error', () => {
    expect(errorEnvelopeOf(Buffer.from('{"code":102,"message":"x","author":"me"}'))).toBeUndefined();
    expect(errorEnvelopeOf(Buffer.from('{"code":0,"data":{}}'))).toBeUndefined();
    expect(errorEnvelopeOf(Buffer.from('[{"code":102}]'))).toBeUndefined();
  });
});
