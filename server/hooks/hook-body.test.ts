import { describe, expect, it } from 'vitest';
import { parseHookBody } from './hook-body.ts';

describe('hook bodies', () => {
  it('parse JSON (typed, +json, or untyped that looks like JSON), form fields, and keep anything else as text', () => {
    expect(parseHookBody(Buffer.from('{"id":"evt_1"}'), 'application/json; charset=utf-8')).toEqual({ id: 'evt_1' });
    expect(parseHookBody(Buffer.from('[1,2]'), 'application/vnd.api+json')).toEqual([1, 2]);
    expect(parseHookBody(Buffer.from(' {"a":1}'), undefined)).toEqual({ a: 1 });
    expect(parseHookBody(Buffer.from('id=evt_2&email=ada%40example.com'), 'application/x-www-form-urlencoded')).toEqual({ id: 'evt_2', email: 'ada@example.com' });
    expect(parseHookBody(Buffer.from('plain words'), 'text/plain')).toBe('plain words');
    expect(parseHookBody(Buffer.alloc(0), 'application/json')).toBeNull();
  });

  it('refuse a body that says it is JSON but is not, with E_HOOK_BODY_INVALID (400)', () => {
    expect(() => parseHookBody(Buffer.from('{"id":'), 'application/json')).toThrow(expect.objectContaining({ code: 'E_HOOK_BODY_INVALID', status: 400 }));
  });
});
