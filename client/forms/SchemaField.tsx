import { fieldKind, resolveSchema, shownValue, type JSONSchema } from './schema.ts';
import type { FieldProps } from './types.ts';
import { StringField } from './StringField.tsx';
import { TextareaField } from './TextareaField.tsx';
import { ExpressionField } from './ExpressionField.tsx';
import { NumberField } from './NumberField.tsx';
import { BooleanField } from './BooleanField.tsx';
import { EnumField } from './EnumField.tsx';
import { ArrayField } from './ArrayField.tsx';
import { ObjectField } from './ObjectField.tsx';
import { RecordField } from './RecordField.tsx';
import { JsonField } from './JsonField.tsx';
import { CredentialField } from './CredentialField.tsx';
import { FlowField } from './FlowField.tsx';
import { FileField } from './FileField.tsx';
import { LinesField } from './LinesField.tsx';

/** Picks the field component for a schema. */
export function SchemaField(props: Omit<FieldProps<unknown>, 'schema'> & { schema: JSONSchema }) {
  const schema = resolveSchema(props.schema, props.root);
  // A param the flow leaves out runs with its default: the form shows that, not an empty list.
  const p = { ...props, schema, value: shownValue(schema, props.value) } as FieldProps<never>;
  switch (fieldKind(schema)) {
    case 'string':
      return <StringField {...p} />;
    case 'textarea':
      return <TextareaField {...p} />;
    case 'template':
    case 'expression':
      return <ExpressionField {...p} />;
    case 'credential':
      return <CredentialField {...p} />;
    case 'flow':
      return <FlowField {...p} />;
    case 'file':
      return <FileField {...p} />;
    case 'number':
    case 'integer':
      return <NumberField {...p} />;
    case 'boolean':
      return <BooleanField {...p} />;
    case 'enum':
      return <EnumField {...p} />;
    case 'array':
      return <ArrayField {...p} />;
    case 'lines':
      return <LinesField {...p} />;
    case 'object':
      return <ObjectField {...p} />;
    case 'record':
      return <RecordField {...p} />;
    default:
      return <JsonField {...p} />;
  }
}
