import { FieldError, Input, Label, Text, TextField } from 'react-aria-components';
import { describeValidity, validityProblem, type ValidityDraft, type ValidityUnit } from '../lib/validity';

/**
 * How long provisioning codes stay valid: a number and a unit (minutes, hours, days), 10
 * minutes to 30 days, with the server's "Provision code validity" named as the default.
 */
export function ValidityField(props: { value: ValidityDraft; onChange: (v: ValidityDraft) => void; serverDefault: number | null; isDisabled?: boolean; label?: string }) {
  const problem = validityProblem(props.value);
  return (
    <TextField
      className="field validity-field"
      value={props.value.amount}
      onChange={(amount) => props.onChange({ ...props.value, amount })}
      inputMode="numeric"
      isInvalid={problem !== null}
      validationBehavior="aria"
      isDisabled={props.isDisabled ?? false}
      autoComplete="off"
    >
      <Label>{props.label ?? 'Codes valid for'}</Label>
      <div className="validity-row">
        <Input spellCheck={false} />
        <select
          aria-label="Unit"
          value={props.value.unit}
          disabled={props.isDisabled ?? false}
          onChange={(e) => props.onChange({ ...props.value, unit: e.target.value as ValidityUnit })}
        >
          <option value="minutes">minutes</option>
          <option value="hours">hours</option>
          <option value="days">days</option>
        </select>
      </div>
      <Text slot="description" className="hint">
        10 minutes to 30 days{props.serverDefault !== null ? `; this server's default is ${describeValidity(props.serverDefault)}` : ''}. A code works once, until then.
      </Text>
      <FieldError className="field-error">{problem}</FieldError>
    </TextField>
  );
}
