import { FieldError, Input, Label, Text, TextField } from 'react-aria-components';

/** A labelled text input with its own error line. */
export function Field(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  type?: 'text' | 'password' | 'email' | 'url';
  autoFocus?: boolean;
  isRequired?: boolean;
  error?: string | undefined;
  hint?: string;
  placeholder?: string;
  autoComplete?: string;
}) {
  return (
    <TextField
      className="field"
      value={props.value}
      onChange={props.onChange}
      type={props.type ?? 'text'}
      autoFocus={props.autoFocus ?? false}
      isRequired={props.isRequired ?? false}
      isInvalid={!!props.error}
      validationBehavior="aria"
      autoComplete={props.autoComplete ?? 'off'}
    >
      <Label>{props.label}</Label>
      <Input placeholder={props.placeholder} spellCheck={false} />
      {props.hint ? <Text slot="description" className="hint">{props.hint}</Text> : null}
      <FieldError className="field-error">{props.error}</FieldError>
    </TextField>
  );
}
