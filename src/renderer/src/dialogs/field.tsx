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
  /** The on-screen keyboard to offer (numeric for authenticator codes). */
  inputMode?: 'text' | 'numeric';
  isDisabled?: boolean;
  /** Blocks edits but keeps the value readable and focusable. */
  isReadOnly?: boolean;
  maxLength?: number;
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
      isDisabled={props.isDisabled ?? false}
      isReadOnly={props.isReadOnly ?? false}
      {...(props.inputMode ? { inputMode: props.inputMode } : {})}
      {...(props.maxLength ? { maxLength: props.maxLength } : {})}
    >
      <Label>{props.label}</Label>
      <Input placeholder={props.placeholder} spellCheck={false} />
      {props.hint ? <Text slot="description" className="hint">{props.hint}</Text> : null}
      <FieldError className="field-error">{props.error}</FieldError>
    </TextField>
  );
}
