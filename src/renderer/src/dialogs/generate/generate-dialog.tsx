import { useState } from 'react';
import { Button, Label, Radio, RadioGroup, Text } from 'react-aria-components';
import { errorMessage, formatCount } from '../../lib/format';
import { useAppStore } from '../../store/store';
import type { TargetUser } from '../../store/types';
import { DialogButtons, DialogError, ModalFrame } from '../modal-frame';
import { ConfirmStep, FAILING_SHOWN } from './confirm-step';
import { failingUsers, type ModeKind } from './form-problems';
import { SamePassword } from './same-password';
import { TemplatePassword } from './template-password';
import { UniquePasswords } from './unique-passwords';
import { useGenerateForm } from './use-generate-form';
import { useGenerateTargets } from './use-generate-targets';

/**
 * Generate QR Code: the password mode (the same password, a template, or one per user),
 * checked live against the server's policy and each user's login, then a confirmation
 * because issuing ends the users' sessions at once. With `again` it issues for just those
 * users of an existing job ("Generate again" on the broken ones). Both steps return a
 * ModalFrame in the same place, so React keeps one modal (and its focus scope) from the
 * form to the confirmation and back; ConfirmStep is only the content.
 */
export function GenerateDialog({ serverId, count, again }: { serverId: string; count: number; again?: { jobId: string; users: readonly TargetUser[] } }) {
  const { policy, policyError, users, usersError } = useGenerateTargets(serverId, again);
  const form = useGenerateForm({ users, count, again: again !== undefined, policy });
  const [step, setStep] = useState<'form' | 'confirm'>('form');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const n = users?.length ?? count;
  const { mode } = form.fields;
  const modesNote = form.problems.modes;

  function close() {
    const st = useAppStore.getState();
    if (again) st.openDialog({ kind: 'generated', jobId: again.jobId });
    else st.closeDialog();
  }

  function onOk() {
    if (!form.attempt() || !policy || !users) return;
    setError(null);
    setStep('confirm');
  }

  /** Cancel while issuing: main stops after the chunk in flight and answers with who was reached. */
  function stop() {
    void useAppStore.getState().cancelIssuing();
  }

  async function onGenerate() {
    const passwordMode = form.request();
    if (!users || !passwordMode) return;
    setBusy(true);
    setError(null);
    try {
      const st = useAppStore.getState();
      const ids = users.map((u) => u.id);
      const job = again ? await st.regenerateCodes(again.jobId, ids, passwordMode) : await st.generateCodes(serverId, ids, passwordMode);
      st.openDialog({ kind: 'generated', jobId: job.jobId });
    } catch (err) {
      setError(errorMessage(err));
      setStep('form');
    } finally {
      setBusy(false);
    }
  }

  if (step === 'confirm' && users) {
    return (
      <ModalFrame title="Generate QR Code" onSubmit={() => void onGenerate()} busy={busy} role="alertdialog" onClose={close} onBusyEscape={stop} step="confirm">
        <ConfirmStep
          serverId={serverId}
          users={users}
          failing={form.failures.count}
          failingUsers={failingUsers(users, form.verdicts, FAILING_SHOWN)}
          busy={busy}
          error={error}
          onBack={() => setStep('form')}
          onCancel={close}
          onStop={stop}
        />
      </ModalFrame>
    );
  }

  return (
    <ModalFrame title="Generate QR Code" onSubmit={onOk} busy={busy} className="generate" onClose={close} step="form">
      <p className="note">
        {again ? 'Generate again for ' : 'New sign-in QR codes for '}
        <strong>{formatCount(n, again ? 'user' : 'selected user')}</strong>
        {users === null && !usersError ? ' (loading their logins…)' : ''}.
      </p>
      {usersError ? <p className="error-text" role="alert">{usersError}</p> : null}
      <RadioGroup className="mode-group" value={mode} onChange={(v) => form.set('mode', v as ModeKind)} orientation="horizontal" aria-describedby={modesNote ? 'mode-note' : undefined}>
        <Label className="group-label">Password</Label>
        <div className="mode-options">
          <Radio className="radio" value="same">
            <span className="radio-dot" aria-hidden="true" />
            The same password
          </Radio>
          <Radio className="radio" value="template" isDisabled={!!modesNote}>
            <span className="radio-dot" aria-hidden="true" />
            Use template
          </Radio>
          <Radio className="radio" value="unique" isDisabled={!!modesNote}>
            <span className="radio-dot" aria-hidden="true" />
            Use unique
          </Radio>
        </div>
        {modesNote ? (
          <Text slot="description" id="mode-note" className="hint">
            {modesNote}
          </Text>
        ) : null}
      </RadioGroup>

      {mode === 'same' ? <SamePassword form={form} policy={policy} policyError={policyError} /> : null}
      {mode === 'template' ? <TemplatePassword form={form} users={users} policy={policy} policyError={policyError} /> : null}
      {mode === 'unique' ? <UniquePasswords form={form} users={users} policy={policy} policyError={policyError} /> : null}

      <DialogError message={error ?? (form.tried && mode !== 'same' ? (form.problems.first ?? null) : null)} />
      <DialogButtons>
        <Button className="button" onPress={close}>
          Cancel
        </Button>
        <Button className="button primary" type="submit" isDisabled={!policy || !users}>
          OK
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}
