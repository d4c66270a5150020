import { NodeError } from '../../../server/contract/node-error.ts';
import { firstLine } from './session.ts';

/** The element was found but the action could not be done on it (disabled, covered, not a field…). */
export function notUsable(action: string, selector: string, err: unknown): NodeError {
  return new NodeError(
    'E_ELEMENT_NOT_USABLE',
    `Could not ${action} the element found with ${JSON.stringify(selector)}: ${firstLine(err)}`,
    'The selector may match the wrong element (a label instead of its field, a hidden copy), or the element is disabled or covered by something else: look at the failure screenshot and make the selector more precise.',
    { cause: err },
  );
}
