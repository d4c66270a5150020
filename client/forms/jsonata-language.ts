import { StreamLanguage, type StringStream } from '@codemirror/language';
import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';

/**
 * JSONata for CodeMirror 6: a light stream tokenizer (JSONata has no maintained CodeMirror grammar
 * and its syntax is small) for highlighting, and the completion of field names and functions.
 * `template` mode is text with `{{ expression }}` placeholders: only the placeholders are JSONata.
 */

interface State {
  /** Template mode: inside a {{ … }} placeholder. */
  inPlaceholder: boolean;
  template: boolean;
  inComment: boolean;
}

const KEYWORDS = new Set(['and', 'or', 'in', 'function']);
const ATOMS = new Set(['true', 'false', 'null']);

function jsonataToken(stream: StringStream, state: State): string | null {
  if (state.inComment) {
    if (stream.skipTo('*/')) {
      stream.match('*/');
      state.inComment = false;
    } else stream.skipToEnd();
    return 'comment';
  }
  if (stream.eatSpace()) return null;
  if (stream.match('/*')) {
    state.inComment = true;
    return 'comment';
  }
  const ch = stream.peek()!;
  if (ch === '"' || ch === "'") {
    stream.next();
    let escaped = false;
    let c: string | void;
    while ((c = stream.next()) != null) {
      if (c === ch && !escaped) break;
      escaped = !escaped && c === '\\';
    }
    return 'string';
  }
  if (ch === '`') {
    stream.next();
    stream.skipTo('`') ? stream.next() : stream.skipToEnd();
    return 'propertyName';
  }
  if (stream.match(/^-?\d+(\.\d+)?([eE][+-]?\d+)?/)) return 'number';
  if (stream.match(/^\$[A-Za-z_]\w*/)) return stream.peek() === '(' ? 'variableName.function' : 'variableName.special';
  if (stream.match(/^\$\$?/)) return 'variableName.special';
  const word = stream.match(/^[A-Za-z_][\w]*/) as RegExpMatchArray | null;
  if (word) {
    if (KEYWORDS.has(word[0])) return 'keyword';
    if (ATOMS.has(word[0])) return 'atom';
    return 'propertyName';
  }
  if (stream.match(/^(~>|:=|!=|<=|>=|\.\.|[&+\-*/%=<>?:!~^|#@])/)) return 'operator';
  if (stream.match(/^[()[\]{}]/)) return 'bracket';
  stream.next();
  return 'punctuation';
}

export function jsonataLanguage(template: boolean) {
  return StreamLanguage.define<State>({
    name: template ? 'jsonata-template' : 'jsonata',
    startState: () => ({ inPlaceholder: false, template, inComment: false }),
    copyState: (s) => ({ ...s }),
    token(stream, state) {
      if (!state.template) return jsonataToken(stream, state);
      if (!state.inPlaceholder) {
        if (stream.match('{{')) {
          state.inPlaceholder = true;
          return 'meta';
        }
        // Plain text up to the next placeholder.
        if (!stream.skipTo('{{')) stream.skipToEnd();
        return null;
      }
      if (stream.match('}}')) {
        state.inPlaceholder = false;
        return 'meta';
      }
      return jsonataToken(stream, state);
    },
  });
}

/** Functions offered after `$` (JSONata's built-in library, the ones people use most). */
const FUNCTIONS = [
  'string', 'number', 'boolean', 'uppercase', 'lowercase', 'trim', 'pad', 'length', 'substring', 'substringBefore', 'substringAfter',
  'contains', 'split', 'join', 'replace', 'match', 'formatNumber', 'round', 'floor', 'ceil', 'abs', 'sum', 'count', 'max', 'min',
  'average', 'exists', 'not', 'type', 'now', 'millis', 'toMillis', 'fromMillis', 'keys', 'lookup', 'merge', 'append', 'sort', 'reverse',
  'distinct', 'filter', 'map', 'reduce', 'each', 'sift', 'spread', 'zip', 'base64encode', 'base64decode', 'encodeUrlComponent', 'decodeUrlComponent',
];

/** A field path as JSONata reads it: segments that are not plain names go in backticks. */
export function fieldReference(path: string): string {
  return path
    .split('.')
    .map((seg) => (/^[A-Za-z_][\w]*$/.test(seg) ? seg : `\`${seg}\``))
    .join('.');
}

/** Inside a "string" or 'string' of the text before the cursor (no completion there). */
function insideString(text: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
  }
  return quote !== null;
}

/**
 * Completion of field names (`fields()`: the sample record's, previous steps') and of `$functions`.
 * Offered as a field name is typed, after `$.`, and right after `{{ ` in a template.
 */
export function jsonataCompletion(fields: () => string[], template: boolean) {
  return (context: CompletionContext): CompletionResult | null => {
    const line = context.state.doc.lineAt(context.pos);
    let before = line.text.slice(0, context.pos - line.from);
    if (template) {
      const open = before.lastIndexOf('{{');
      if (open < 0 || before.lastIndexOf('}}') > open) return null;
      before = before.slice(open + 2);
    }
    if (insideString(before)) return null;

    const fieldOptions = (): Completion[] =>
      fields().map((f) => ({ label: f, apply: fieldReference(f), type: 'property', detail: 'field', boost: f.includes('.') ? -1 : 0 }));

    // `$.` then a field path: the record's fields.
    const dotted = /\$\.([\w.]*)$/.exec(before);
    if (dotted) return { from: context.pos - dotted[1].length, options: fieldOptions(), validFor: /^[\w.]*$/ };
    // `$name`: a function.
    const dollar = /\$(\w*)$/.exec(before);
    if (dollar) {
      return {
        from: context.pos - dollar[0].length,
        options: FUNCTIONS.map((f) => ({ label: `$${f}`, apply: `$${f}(`, type: 'function' })),
        validFor: /^\$\w*$/,
      };
    }
    // A field name being typed (letters, dots for nested fields).
    const word = /(?:^|[^\w.$`])([A-Za-z_][\w.]*)$/.exec(before);
    if (word) return { from: context.pos - word[1].length, options: fieldOptions(), validFor: /^[\w.]*$/ };
    // Right after `{{` (and its space) in a template, or asked for with Ctrl+Space: every field.
    if ((template && /^\s*$/.test(before)) || context.explicit) return { from: context.pos, options: fieldOptions(), validFor: /^[\w.]*$/ };
    return null;
  };
}
