import { createContext, useContext } from 'react';

/** Form-wide rendering choices, set once by `SchemaForm` for every field inside it. */
export interface FormOptions {
  /**
   * An optional nested object (not required by its parent) is drawn with an on/off switch: off
   * leaves the key out of the value, on fills it with its properties' defaults. Used for settings
   * such as "Retries" or "Safe Stop" that are either absent or complete.
   */
  toggleOptionalObjects: boolean;
}

export const FormOptionsContext = createContext<FormOptions>({ toggleOptionalObjects: false });

export function useFormOptions(): FormOptions {
  return useContext(FormOptionsContext);
}
