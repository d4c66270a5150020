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

  describe('in the charset the request names: a letter is never replaced', () => {
    const FORM = 'application/x-www-form-urlencoded';
    const refusal = (raw: Buffer, type: string) => {
      try {
        parseHookBody(raw, type);
      } catch (err) {
        return err as { code: string; status: number; message: string; hint: string };
      }
      throw new Error('not refused');
    };

    it('form fields in Windows-1252 / ISO-8859-1 / ISO-8859-15 / Shift_JIS: %-escapes and written bytes are letters of that charset', () => {
      // "Müller & Söhne", "€ 5 – “ok”" in Windows-1252, %-escaped as a browser sends them, and one ü written as a byte.
      const latin = Buffer.concat([Buffer.from('name=M%FCller+%26+S%F6hne&note=%80+5+%96+%93ok%94&city=K'), Buffer.of(0xf6), Buffer.from('ln')]);
      const fields = { name: 'Müller & Söhne', note: '€ 5 – “ok”', city: 'Köln' };
      expect(parseHookBody(latin, `${FORM}; charset=windows-1252`)).toEqual(fields);
      // ISO-8859-1 is Windows-1252 to every browser (WHATWG): 0x80 is €.
      expect(parseHookBody(latin, `${FORM}; charset="ISO-8859-1"`)).toEqual(fields);
      expect(parseHookBody(Buffer.from('price=%A4+5'), `${FORM}; charset=iso-8859-15`)).toEqual({ price: '€ 5' });
      expect(parseHookBody(Buffer.from('%93%8C%8B%9E=%82%A0'), `${FORM};charset=Shift_JIS`)).toEqual({ 東京: 'あ' });
      // UTF-8, named or not: as before.
      expect(parseHookBody(Buffer.from('name=M%C3%BCller&empty=&flag&a=1=2&%zz=100%'), FORM)).toEqual({ name: 'Müller', empty: '', flag: '', a: '1=2', '%zz': '100%' });
      expect(parseHookBody(Buffer.from('name=M%C3%BCller'), `${FORM}; charset=utf-8`)).toEqual({ name: 'Müller' });
    });

    it('JSON and text in the charset named (a byte-order mark wins); UTF-8 by default', () => {
      expect(parseHookBody(Buffer.concat([Buffer.from('{"id":"evt_1","name":"M'), Buffer.of(0xfc), Buffer.from('ller '), Buffer.of(0x80), Buffer.from('"}')]), 'application/json; charset=windows-1252')).toEqual({ id: 'evt_1', name: 'Müller €' });
      expect(parseHookBody(Buffer.from('{"name":"Müller"}', 'utf16le'), 'application/json; charset=utf-16le')).toEqual({ name: 'Müller' });
      expect(parseHookBody(Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from('{"name":"Müller"}')]), 'application/json; charset=windows-1252')).toEqual({ name: 'Müller' });
      expect(parseHookBody(Buffer.of(0x4b, 0xf6, 0x6c, 0x6e, 0x20, 0x80), 'text/plain; charset=iso-8859-1')).toBe('Köln €');
      expect(parseHookBody(Buffer.from('Köln'), 'text/plain')).toBe('Köln');
    });

    it('an unknown charset is refused with E_HOOK_CHARSET (415), and a UTF-16 form', () => {
      for (const type of [`${FORM}; charset=x-klingon`, 'application/json; charset=latin-9', 'text/plain; charset=utf-7']) {
        const err = refusal(Buffer.from('a=1'), type);
        expect([err.code, err.status], type).toEqual(['E_HOOK_CHARSET', 415]);
        expect(err.message).toMatch(/character set ".+", which Conveyor does not know\. Nothing was run\./);
        expect(err.hint).toMatch(/windows-1252/);
      }
      expect(refusal(Buffer.from('a=1', 'utf16le'), `${FORM}; charset=utf-16`)).toMatchObject({ code: 'E_HOOK_CHARSET', status: 415 });
    });

    it('bytes that are not text in the body\'s charset are refused with E_HOOK_BODY_ENCODING (400), never read as U+FFFD', () => {
      // A Windows-1252 form that does not say so.
      const form = refusal(Buffer.from('id=evt_1&name=M%FCller'), FORM);
      expect([form.code, form.status]).toEqual(['E_HOOK_BODY_ENCODING', 400]);
      expect(form.message).toBe('Form field "name" is not utf-8 text: byte 2 is 0xFC. Nothing was run.');
      expect(form.hint).toMatch(/charset=windows-1252/);
      const json = refusal(Buffer.concat([Buffer.from('{"name":"M'), Buffer.of(0xfc), Buffer.from('ller"}')]), 'application/json');
      expect(json.message).toBe('The request body is not utf-8 text: byte 11 is 0xFC. Nothing was run.');
      expect(refusal(Buffer.from('%82=1'), `${FORM}; charset=shift_jis`)).toMatchObject({ code: 'E_HOOK_BODY_ENCODING', message: 'A form field name is not shift_jis text. Nothing was run.' });
    });
  });

  it('refuse a body that says it is JSON but is not, with E_HOOK_BODY_INVALID (400)', () => {
    expect(() => parseHookBody(Buffer.from('{"id":'), 'application/json')).toThrow(expect.objectContaining({ code: 'E_HOOK_BODY_INVALID', status: 400 }));
  });
});
