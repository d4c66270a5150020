import { NodeError } from '../../../server/contract/node-error.ts';
import { firstLine } from './session.ts';

const DEFAULT_HINT =
  'The selector may match the wrong element (a label instead of its field, a hidden copy), or the element is disabled or covered by something else: look at the failure screenshot and make the selector more precise.';

/**
 * The element was found but the action could not be done on it (disabled, covered, not a field…).
 * `hint`: what to do, when the caller knows better than the reason found in Playwright's log.
 */
export function notUsable(action: string, selector: string, err: unknown, hint?: string): NodeError {
  const why = blocker(err);
  return new NodeError(
    'E_ELEMENT_NOT_USABLE',
    `Could not ${action} the element found with ${JSON.stringify(selector)}: ${why ? `${why.said} (${firstLine(err)})` : firstLine(err)}`,
    hint ?? why?.hint ?? DEFAULT_HINT,
    { cause: err },
  );
}

interface Blocker {
  said: string;
  hint: string;
}

/**
 * Why Playwright kept waiting before it gave up: its first line only says "Timeout exceeded", the
 * reason is in its call log (the last check it retried). The operator needs the reason — above all
 * which element lies over the button (a cookie banner, a pop-up), since that is the one to close.
 */
export function blocker(err: unknown): Blocker | null {
  const message = err instanceof Error ? err.message : String(err);
  // The call log is coloured for a terminal.
  const log = message.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  for (let i = log.length - 1; i >= 0; i--) {
    const line = log[i].trim().replace(/^- /, '');
    const covered = /^(?:(.+?) from )?(<.*>)(?: subtree)? intercepts pointer events$/.exec(line);
    if (covered) {
      return {
        said: `it is covered by ${covered[2]}${covered[1] ? ` (inside ${covered[1]})` : ''}, which would get the click instead`,
        hint: 'Something lies over the element — a cookie banner, a pop-up, a chat button, a sticky header: add a "Browser: click" step before this one that closes it (its Accept or Close button), or a "Browser: wait for" step until it is hidden. The failure screenshot shows it.',
      };
    }
    if (line === 'element is not enabled') {
      return {
        said: 'it stayed disabled',
        hint: 'The page keeps the element disabled until something else is done (a required field, a box to tick): do that first, or check that the selector matches the right element. If a field was filled just before, the page may wait for key presses: set the fill step\'s Typing to key-by-key.',
      };
    }
    if (line === 'element is not editable') return { said: 'it is read-only', hint: 'The page does not let this field be changed (read-only): check that the selector matches the right field, or do first what unlocks it.' };
    if (line === 'element is not visible') return { said: 'it is not visible', hint: DEFAULT_HINT };
    if (line === 'element is not stable') return { said: 'it kept moving (an animation)', hint: 'Wait until the page has settled (a "Browser: wait for" step on what appears when it has), or raise the time limit.' };
  }
  return null;
}
