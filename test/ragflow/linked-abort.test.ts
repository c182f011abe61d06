import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkedAbort } from '../../src/ragflow/linked-abort.js';

describe('linkedAbort', () => {
  it('aborts when any source aborts, with its reason', () => {
    const a = new AbortController();
    const b = new AbortController();
    const link = linkedAbort([a.signal, undefined, b.signal]);
    b.abort('stop');
    expect(link.signal.aborted).toBe(true);
    expect(link.signal.reason).toBe('stop');
  });

  it('starts aborted when a source already is', () => {
    const a = new AbortController();
    a.abort('early');
    expect(linkedAbort([a.signal]).signal.reason).toBe('early');
  });

  it('can be aborted on its own (the deadline) without touching the sources', () => {
    const shutdown = new AbortController();
    const link = linkedAbort([shutdown.signal]);
    link.abort(new DOMException('deadline', 'TimeoutError'));
    expect(link.signal.aborted).toBe(true);
    expect(shutdown.signal.aborted).toBe(false);
  });

  it('dispose leaves no listener on a long-lived source (why not AbortSignal.any: it leaks on Node 20)', () => {
    const shutdown = new AbortController();
    for (let index = 0; index < 1000; index += 1) linkedAbort([shutdown.signal]).dispose();
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    const link = linkedAbort([shutdown.signal]);
    link.dispose();
    shutdown.abort();
    expect(link.signal.aborted).toBe(false);
  });
});
