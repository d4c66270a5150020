import { describe, expect, it } from 'vitest';
import { renderTemplate } from './template.ts';
import { failureOf } from '../../../nodes/sdk/testing.ts';

describe('template helper', () => {
  const data = { id: 7, name: 'Ada "the first"', tags: ['a', 'b'], nested: { x: 1 }, none: null };

  it('fills {{ expression }} placeholders; text without placeholders is returned as is', async () => {
    expect(await renderTemplate('https://api.example.com/users/{{ id }}', data, 'the URL')).toBe('https://api.example.com/users/7');
    expect(await renderTemplate('{{id}}-{{ $uppercase(name) }}', data, 'x')).toBe('7-ADA "THE FIRST"');
    expect(await renderTemplate('{{ tags }} {{ nested }} [{{ none }}] [{{ missing }}] {{ $ }}', { tags: [1], nested: { x: 1 }, none: null }, 'x')).toBe(
      '[1] {"x":1} [] [] {"tags":[1],"nested":{"x":1},"none":null}',
    );
    expect(await renderTemplate('plain {text}', data, 'x')).toBe('plain {text}');
  });

  it('copes with expressions that contain }}', async () => {
    expect(await renderTemplate('v={{ {"a": {"b": id}} }}!', data, 'x')).toBe('v={"a":{"b":7}}!');
  });

  it('keeps JSON valid in json mode: escaped inside strings, JSON values outside', async () => {
    const body = await renderTemplate('{"name": "{{ name }}", "id": {{ id }}, "tags": {{ tags }}, "who": {{ name }}, "gone": {{ missing }}}', data, 'the body', 'json');
    expect(JSON.parse(body)).toEqual({ name: 'Ada "the first"', id: 7, tags: ['a', 'b'], who: 'Ada "the first"', gone: null });
  });

  it('reports broken placeholders', async () => {
    const unclosed = await failureOf(() => renderTemplate('Hello {{ name', data, 'the message'));
    expect(unclosed).toMatchObject({ code: 'E_EXPRESSION_INVALID' });
    expect(unclosed.message).toMatch(/The message is not a valid template: the placeholder starting at character 7 has no closing }}/);
    const bad = await failureOf(() => renderTemplate('Hello {{ name + }}', data, 'the message'));
    expect(bad.code).toBe('E_EXPRESSION_INVALID');
    expect(bad.message).toMatch(/^The placeholder \{\{ name \+ \}\} in the message is not a valid expression/);
    const failed = await failureOf(() => renderTemplate('{{ name + 1 }}', data, 'the URL'));
    expect(failed.code).toBe('E_EXPRESSION_FAILED');
  });
});
