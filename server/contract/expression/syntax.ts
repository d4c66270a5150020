import { expressionSyntaxError } from './expression.ts';
import { templateSyntaxError } from './template.ts';
import { regexSyntaxError } from './regex-syntax.ts';

/**
 * The small languages a setting can be written in, and the one check of each. Node params and the
 * step policy declare them in their schema metadata, and the same check serves flow validation
 * (import, save, `conveyor validate`, the dry check) and the studio's forms, as they are typed:
 *
 * - `widget: 'expression'` — a JSONata expression;
 * - `widget: 'template'` — text with `{{ expression }}` placeholders;
 * - `syntax: 'regex'` — a regular expression;
 * - `syntax: 'url-pattern'` — a template that, once filled, is text or a `/regular expression/flags`.
 *
 * `allowEmpty: true` says an empty expression means "none" (a step's pre-check); elsewhere an
 * empty expression would fail every record, so it is refused.
 */
export type SyntaxKind = 'expression' | 'template' | 'regex' | 'url-pattern';

/** The metadata keys read from a (JSON) schema node. */
export interface SyntaxMeta {
  widget?: unknown;
  syntax?: unknown;
  allowEmpty?: unknown;
}

export interface SyntaxProblem {
  code: 'E_EXPRESSION_INVALID' | 'E_PATTERN_INVALID' | 'E_PATTERN_UNSUPPORTED';
  /** What is wrong, starting with the language: "The expression is not valid: …". */
  message: string;
  /** 1-based character in the setting's text where the mistake was noticed, when it can be told. */
  position?: number;
  /** What to do about it. */
  hint: string;
}

const KINDS: ReadonlySet<string> = new Set(['expression', 'template', 'regex', 'url-pattern']);

export function syntaxOf(meta: SyntaxMeta | null | undefined): SyntaxKind | null {
  if (!meta) return null;
  if (typeof meta.syntax === 'string' && KINDS.has(meta.syntax)) return meta.syntax as SyntaxKind;
  if (meta.widget === 'expression') return 'expression';
  if (meta.widget === 'template') return 'template';
  return null;
}

const EXPRESSION_HINT =
  'Correct the expression: close every bracket and quote you open, put text in double quotes ("like this"), write field names as they are (email, address.city) and names with spaces in backticks (`first name`).';
const TEMPLATE_HINT = 'Each placeholder must look like {{ fieldName }} or {{ expression }}, with both the opening {{ and the closing }} and a valid expression between them.';
const REGEX_HINT = 'Correct the pattern: close every ( and [ you open, and put a backslash before a character meant literally, e.g. \\. \\( \\+ \\?.';

/** The first syntax mistake of `text` written in `kind`, or null when it is fine. */
export function checkSyntax(kind: SyntaxKind, text: string, meta: SyntaxMeta = {}): SyntaxProblem | null {
  switch (kind) {
    case 'expression': {
      if (text.trim() === '') {
        return meta.allowEmpty === true ? null : { code: 'E_EXPRESSION_INVALID', message: 'The expression is empty.', hint: 'Write an expression, e.g. a field name such as email, or "fixed text" in double quotes.' };
      }
      const error = expressionSyntaxError(text);
      return error && { code: 'E_EXPRESSION_INVALID', message: `The expression is not valid: ${sentence(error.reason, error.position, text)}`, position: error.position, hint: EXPRESSION_HINT };
    }
    case 'template':
      return templateProblem(text);
    case 'regex': {
      if (text === '') return null;
      const error = regexSyntaxError(text);
      if (error?.unsupported) return unsupportedProblem('The pattern', error, text);
      return error && { code: 'E_PATTERN_INVALID', message: `The pattern is not a valid regular expression: ${sentence(error.reason, error.position, text)}`, position: error.position, hint: REGEX_HINT };
    }
    case 'url-pattern': {
      const template = templateProblem(text);
      if (template) return template;
      // With placeholders the expression is only known once filled in; the step checks it then.
      const slashed = text.includes('{{') ? null : /^\/(.+)\/([dgimsuy]*)$/s.exec(text);
      if (!slashed) return null;
      const error = regexSyntaxError(slashed[1], slashed[2]);
      const position = error?.position === undefined ? undefined : error.position + 1; // after the opening slash
      if (error?.unsupported) return unsupportedProblem('The address pattern between slashes', { ...error, position }, text);
      return (
        error && {
          code: 'E_PATTERN_INVALID',
          message: `The address pattern between slashes is not a valid regular expression: ${sentence(error.reason, position, text)}`,
          position,
          hint: 'Correct the regular expression, or write plain text the address must contain (without slashes around it).',
        }
      );
    }
  }
}

export const PATTERN_UNSUPPORTED_HINT =
  'Patterns run with linear-time matching (RE2 rules), so that no pattern can freeze the studio: back-references (\\1), lookahead (?= ?!) and lookbehind (?<= ?<!) are not available. Match the wider text instead (e.g. code: (\\d{6}) rather than (?<=code: )\\d{6}), or split the check into two rules.';

function unsupportedProblem(what: string, error: { reason: string; position?: number }, text: string): SyntaxProblem {
  return { code: 'E_PATTERN_UNSUPPORTED', message: `${what} cannot be used: ${sentence(error.reason, error.position, text)}`, position: error.position, hint: PATTERN_UNSUPPORTED_HINT };
}

function templateProblem(text: string): SyntaxProblem | null {
  const error = templateSyntaxError(text);
  return error && { code: 'E_EXPRESSION_INVALID', message: `The template is not valid: ${sentence(error.reason, error.position, text)}`, position: error.position, hint: TEMPLATE_HINT };
}

/** "Expected ")" before end of expression, at character 7 of "$.a & (" ." */
function sentence(reason: string, position: number | undefined, text: string): string {
  const shown = text.length > 120 ? `${text.slice(0, 117)}…` : text;
  const where = position === undefined ? ` (in ${JSON.stringify(shown)})` : ` (at character ${position} of ${JSON.stringify(shown)})`;
  return `${reason.replace(/[.\s]+$/, '')}${where}.`;
}
