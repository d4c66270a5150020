import { useEffect, useRef } from 'react';
import { Annotation, EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderExt } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { acceptCompletion, autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { classHighlighter, tags as t } from '@lezer/highlight';
import { cn } from '../lib/cn.ts';
import { jsonataCompletion, jsonataLanguage } from './jsonata-language.ts';

/** Marks the editor's own copy of a value changed from outside (not a change to report back). */
const fromOutside = Annotation.define<boolean>();

/** Colours of JSONata's parts (the `tok-*` classes of classHighlighter are set too, for tests and themes). */
const colours = HighlightStyle.define([
  { tag: t.string, color: '#047857' },
  { tag: t.number, color: '#0369a1' },
  { tag: [t.keyword, t.atom], color: '#9333ea', fontWeight: '600' },
  { tag: t.function(t.variableName), color: '#c026d3' },
  { tag: t.special(t.variableName), color: '#b45309' },
  { tag: t.propertyName, color: '#1e3a8a' },
  { tag: t.operator, color: '#64748b' },
  { tag: t.meta, color: '#7c3aed', fontWeight: '700' },
  { tag: t.comment, color: '#94a3b8', fontStyle: 'italic' },
]);

const theme = EditorView.theme({
  '&': { fontSize: '12px', backgroundColor: 'transparent' },
  '&.cm-focused': { outline: 'none' },
  '.cm-content': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', padding: '6px 0', caretColor: '#4338ca' },
  '.cm-line': { padding: '0 10px', lineHeight: '20px' },
  '.cm-scroller': { maxHeight: '180px', overflow: 'auto' },
  '.cm-placeholder': { color: '#94a3b8' },
  '.cm-tooltip.cm-tooltip-autocomplete': { borderRadius: '6px', border: '1px solid #e2e8f0', boxShadow: '0 4px 12px rgb(15 23 42 / 0.12)', backgroundColor: 'white' },
  '.cm-tooltip.cm-tooltip-autocomplete > ul': { fontFamily: 'ui-monospace, monospace', fontSize: '12px', maxHeight: '12em' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: '#eef2ff', color: '#3730a3' },
  '.cm-completionDetail': { color: '#94a3b8', fontStyle: 'normal', marginLeft: '0.75em' },
});

/**
 * A JSONata expression or `{{ template }}` editor (CodeMirror 6): highlighting, completion of the
 * field names given (arrows and Enter or Tab accept), undo of its own. The editable element carries
 * the field's id and test id, so it is the form control (focus, fill, read).
 */
export function CodeField({
  id,
  testId,
  value,
  onChange,
  mode,
  placeholder,
  fields,
  invalid,
  minLines = 1,
  label,
}: {
  id: string;
  testId: string;
  value: string;
  onChange(next: string): void;
  mode: 'expression' | 'template';
  placeholder?: string;
  fields: string[];
  invalid?: boolean;
  minLines?: number;
  label?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const fieldsRef = useRef(fields);
  fieldsRef.current = fields;

  useEffect(() => {
    const template = mode === 'template';
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          closeBrackets(),
          autocompletion({ override: [jsonataCompletion(() => fieldsRef.current, template)], icons: false, activateOnTyping: true, interactionDelay: 0 }),
          Prec.highest(keymap.of([{ key: 'Tab', run: acceptCompletion }])),
          keymap.of([...closeBracketsKeymap, ...completionKeymap, ...historyKeymap, ...defaultKeymap]),
          jsonataLanguage(template),
          syntaxHighlighting(colours),
          syntaxHighlighting(classHighlighter),
          EditorView.lineWrapping,
          theme,
          placeholder ? placeholderExt(placeholder) : [],
          EditorView.contentAttributes.of({
            id,
            'data-testid': testId,
            'data-mode': mode,
            spellcheck: 'false',
            autocapitalize: 'off',
            autocorrect: 'off',
            ...(label ? { 'aria-label': label } : {}),
            style: `min-height: ${minLines * 20 + 12}px`,
          }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && !u.transactions.some((tr) => tr.annotation(fromOutside))) onChangeRef.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is made once per field; the value is kept in step below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode, id, testId]);

  // A value changed from outside (undo in the editor, a pasted node): put it in the editor.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current !== value) v.dispatch({ changes: { from: 0, to: current.length, insert: value }, annotations: fromOutside.of(true) });
  }, [value]);

  return (
    <div
      ref={host}
      className={cn(
        'w-full rounded-md bg-slate-50 ring-1 ring-slate-300 transition-shadow focus-within:bg-white focus-within:ring-2 focus-within:ring-indigo-500',
        invalid && 'ring-rose-400 focus-within:ring-rose-500',
      )}
      data-testid={`code-${testId}`}
    />
  );
}
