/**
 * Said under a text field holding more than the server accepts. Fields used to cut a pasted text at
 * their limit without a word (the input's `maxLength`): a name, a note lost its end and the
 * person never knew. Now the field keeps what was typed, this line says in red by how much it is
 * over, and the form's confirm button stays off (`tooLong`) until it is shortened.
 */
export function TooLong({ value, max, what, testId }: { value: string; max: number; what: string; testId: string }) {
  if (!tooLong(value, max)) return null;
  return (
    <span className="block text-xs font-normal text-rose-600" role="alert" data-testid={testId}>
      At most {max} characters: this {what} has {value.length}. Shorten it to save.
    </span>
  );
}

/** Whether `value` holds more than `max` characters (counted as the server counts: UTF-16 units). */
export const tooLong = (value: string, max: number): boolean => value.length > max;
