import { useLayoutEffect, useRef } from 'react';
import { cn } from '../lib/cn.ts';
import { inputClass } from '../components/TextInput.tsx';
import { fieldProblem, labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import { ExpressionPreview } from './ExpressionPreview.tsx';
import type { FieldProps } from './types.ts';

/**
 * A JSONata expression: monospace, grows with its content, marked ƒx. A syntax mistake shows as it
 * is typed (with its position); a valid expression shows its result on the sample record.
 */
export function ExpressionField({ path, name, schema, value, required, onChange, compact }: FieldProps<string>) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const v = typeof value === 'string' ? value : '';
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [v]);
  const problem = fieldProblem(schema, value, required);
  return (
    <FieldShell
      id={path}
      label={labelOf(name, schema)}
      description={schema.description}
      required={required}
      problem={problem}
      compact={compact}
      aside={<span className="rounded bg-violet-50 px-1 font-mono text-[10px] font-semibold text-violet-600 ring-1 ring-violet-200" title="JSONata expression">ƒx</span>}
    >
      <textarea
        ref={ref}
        id={`f-${path}`}
        data-testid={`field-${path}`}
        rows={1}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        value={v}
        placeholder={(schema.examples?.[0] as string | undefined) ?? schema.placeholder ?? 'e.g. $number(amount) * 2'}
        onChange={(e) => onChange(e.target.value)}
        className={cn(inputClass, 'resize-none bg-slate-50 font-mono text-xs leading-5 text-violet-900', problem && 'ring-rose-400')}
      />
      {!problem && <ExpressionPreview path={path} source={v} />}
    </FieldShell>
  );
}
