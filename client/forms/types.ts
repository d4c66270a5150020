import type { JSONSchema } from './schema.ts';

/** What every field component receives. */
export interface FieldProps<V = unknown> {
  /** Dotted path of the field inside the form (`fields.0.value`). */
  path: string;
  /** The field's key in its parent (or the array index). */
  name: string;
  schema: JSONSchema & { nullable?: boolean };
  root: JSONSchema;
  value: V | undefined;
  required: boolean;
  onChange(value: V | undefined): void;
  /** Lets the host fill a new array item (e.g. a unique port id for a switch rule). */
  onNewItem?: (path: string, item: unknown, index: number, list: unknown[]) => unknown;
  compact?: boolean;
}
