import { NAME_MAX } from '../../server/contract/flow/schema.ts';

/**
 * Said under a name field holding more than a name may (NAME_MAX characters). The field used to cut
 * a pasted name at 200 characters without a word; now it keeps what was typed, says so in red, and a
 * save is refused naming the field, until it is shortened.
 */
export function NameTooLong({ name, testId }: { name: string; testId: string }) {
  if (name.length <= NAME_MAX) return null;
  return (
    <span className="block text-xs text-rose-600" data-testid={testId}>
      At most {NAME_MAX} characters: this name has {name.length}. Shorten it to save.
    </span>
  );
}
