import { useEffect, useState } from 'react';
import { TextArea } from '../components/TextInput.tsx';
import { fieldProblem, labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

/** The lines of the text, blank ones left out (a list of strings edited one item per line). */
export function textToLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

const same = (a: string[], b: unknown) => Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A list of strings (`meta({ widget: 'lines' })`) edited as a text area, one item per line. What is
 * being typed (a new empty line) stays as typed; blank lines are not items.
 */
export function LinesField({ path, name, schema, value, required, onChange, compact }: FieldProps<string[]>) {
  const list = Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : [];
  const [text, setText] = useState(() => list.join('\n'));
  useEffect(() => {
    setText((t) => (same(textToLines(t), value) ? t : list.join('\n')));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  const problem = fieldProblem(schema, list, required);
  const count = textToLines(text).length;
  return (
    <FieldShell
      id={path}
      label={labelOf(name, schema)}
      description={schema.description}
      required={required}
      problem={problem}
      compact={compact}
      aside={
        <span className="text-[10px] font-medium text-slate-400 tabular-nums" data-testid={`lines-count-${path}`}>
          {count} line{count === 1 ? '' : 's'}
        </span>
      }
    >
      <TextArea
        id={`f-${path}`}
        data-testid={`field-${path}`}
        value={text}
        invalid={!!problem}
        rows={Math.min(10, Math.max(3, count + 1))}
        spellCheck={false}
        className="text-xs leading-relaxed"
        placeholder={schema.placeholder ?? 'One per line'}
        onChange={(e) => {
          setText(e.target.value);
          const next = textToLines(e.target.value);
          if (!same(next, value)) onChange(next);
        }}
      />
    </FieldShell>
  );
}
