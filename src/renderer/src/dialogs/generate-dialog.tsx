import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Button, Checkbox, Label, Radio, RadioGroup, Text } from 'react-aria-components';
import type { PasswordPolicy, PolicyViolation } from '../../../shared/model/password-policy';
import { generateStrongPassword, passwordsFor } from '../../../shared/password-template';
import { CheckIcon, CrossIcon } from '../components/icons';
import { errorMessage, formatCount } from '../lib/format';
import { useAppStore } from '../store/store';
import type { PasswordMode, TargetUser } from '../store/types';
import { Field } from './field';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { PolicyPanel, violationsFor } from './policy-panel';

type ModeKind = PasswordMode['kind'];

/** users:signedIn takes at most this many ids per call. */
const SIGNED_IN_BATCH = 10_000;
/** Row height of the unique-password grid; fixed, so thousands of rows need no measuring. */
const UNIQUE_ROW_H = 30;
/** How many template passwords the preview shows. */
const PREVIEW_COUNT = 3;
/** Tries at a strong password that also passes the per-user checks (a random one containing the login is astronomically rare). */
const STRONG_TRIES = 20;

/** A strong password for `login` that passes every rule the console can check. */
function strongPasswordFor(login: string, policy: PasswordPolicy | null): string {
  const length = Math.max(16, policy?.minLength ?? 0);
  let pw = generateStrongPassword(length);
  for (let i = 0; policy && i < STRONG_TRIES && violationsFor(pw, policy, login).length > 0; i++) pw = generateStrongPassword(length);
  return pw;
}

/** One password's verdict, for the preview rows and the unique grid. */
function Verdict({ violations, empty }: { violations: PolicyViolation[] | null; empty?: boolean }) {
  if (empty) return <span className="verdict muted">No password</span>;
  if (violations === null) return <span className="verdict muted">…</span>;
  if (violations.length === 0) {
    return (
      <span className="verdict ok">
        <CheckIcon /> Passes
      </span>
    );
  }
  const text = violations.map((v) => v.message).join('; ');
  return (
    <span className="verdict bad" title={text}>
      <CrossIcon /> {text}
    </span>
  );
}

/** The per-user passwords the chosen mode gives, in the users' order ('same' repeats one). */
function passwordsOf(mode: ModeKind, users: readonly TargetUser[], same: string, tpl: { prefix: string; start: number; postfix: string } | null, unique: Readonly<Record<string, string>>): string[] {
  const ids = users.map((u) => u.id);
  if (mode === 'template' && !tpl) return ids.map(() => '');
  const m: PasswordMode = mode === 'same' ? { kind: 'same', password: same } : mode === 'template' ? { kind: 'template', ...tpl! } : { kind: 'unique', passwords: unique };
  return passwordsFor(m, ids, { draft: true });
}

/** The unique-password grid: one row per user, virtualised so 10,000 rows type smoothly. */
function UniqueGrid(props: {
  users: readonly TargetUser[];
  passwords: Readonly<Record<string, string>>;
  verdicts: readonly (PolicyViolation[] | null)[];
  show: boolean;
  onChange: (userId: string, value: string) => void;
  onGenerate: (user: TargetUser) => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({
    count: props.users.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => UNIQUE_ROW_H,
    overscan: 10,
    useFlushSync: false,
  });
  return (
    <div className="unique-grid" role="table" aria-label="Unique passwords" aria-rowcount={props.users.length + 1}>
      <div role="row" className="unique-row header" aria-rowindex={1}>
        <span role="columnheader">Login</span>
        <span role="columnheader">Password</span>
        <span role="columnheader">Policy</span>
        <span role="columnheader">
          <span className="visually-hidden">Actions</span>
        </span>
      </div>
      <div ref={scrollRef} className="unique-scroll" role="rowgroup">
        <div className="qr-spacer" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const u = props.users[item.index];
            if (!u) return null;
            const pw = props.passwords[u.id] ?? '';
            return (
              <div key={u.id} role="row" aria-rowindex={item.index + 2} className="unique-row body" style={{ transform: `translateY(${item.start}px)` }}>
                <span role="cell" className="cell" title={u.login}>{u.login}</span>
                <span role="cell">
                  <input
                    className="grid-input"
                    type={props.show ? 'text' : 'password'}
                    aria-label={`Password for ${u.login}`}
                    value={pw}
                    spellCheck={false}
                    autoComplete="new-password"
                    onChange={(e) => props.onChange(u.id, e.target.value)}
                  />
                </span>
                <span role="cell" className="cell">
                  <Verdict violations={props.verdicts[item.index] ?? null} empty={pw === ''} />
                </span>
                <span role="cell">
                  <Button className="button small" aria-label={`Generate strong password for ${u.login}`} onPress={() => props.onGenerate(u)}>
                    Generate
                  </Button>
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/**
 * Generate QR Code: the password mode (the same password, a template, or one per user),
 * checked live against the server's policy and each user's login, then a confirmation
 * because issuing ends the users' sessions at once. With `again` it issues for just those
 * users of an existing job ("Generate again" on the broken ones).
 */
export function GenerateDialog({ serverId, count, again }: { serverId: string; count: number; again?: { jobId: string; users: readonly TargetUser[] } }) {
  const [policy, setPolicy] = useState<PasswordPolicy | null>(null);
  const [policyError, setPolicyError] = useState<string | null>(null);
  const [users, setUsers] = useState<readonly TargetUser[] | null>(again?.users ?? null);
  const [usersError, setUsersError] = useState<string | null>(null);
  const [mode, setMode] = useState<ModeKind>('same');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [prefix, setPrefix] = useState('');
  const [startText, setStartText] = useState('1');
  const [postfix, setPostfix] = useState('');
  const [unique, setUnique] = useState<Readonly<Record<string, string>>>({});
  const [showUnique, setShowUnique] = useState(false);
  const [tried, setTried] = useState(false);
  const [step, setStep] = useState<'form' | 'confirm'>('form');
  const [signedIn, setSignedIn] = useState<{ count: number; logins: string[] } | 'loading' | { error: string }>('loading');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    window.gatepass.policy
      .get({ serverId })
      .then((p) => live && setPolicy(p))
      .catch((err: unknown) => live && setPolicyError(errorMessage(err)));
    if (!again) {
      // Logins are needed for the per-user checks and the unique grid; the table's order is the template's order.
      useAppStore
        .getState()
        .resolveSelectedUsers()
        .then((u) => live && setUsers(u))
        .catch((err: unknown) => live && setUsersError(errorMessage(err)));
    }
    return () => {
      live = false;
    };
  }, [serverId, again]);

  const n = users?.length ?? count;
  // qr:generate needs 2 users for template and unique; "Generate again" takes any mode for one user.
  const multiAllowed = again !== undefined || n >= 2;
  const start = /^\d{1,10}$/.test(startText.trim()) ? Number(startText.trim()) : NaN;
  const startError = Number.isInteger(start) && start <= 1_000_000_000 ? undefined : 'A whole number from 0 to 1,000,000,000';
  const tpl = startError ? null : { prefix, start, postfix };

  const passwords = useMemo(() => (users ? passwordsOf(mode, users, password, tpl, unique) : []), [users, mode, password, tpl?.prefix, tpl?.start, tpl?.postfix, unique]); // eslint-disable-line react-hooks/exhaustive-deps -- tpl is rebuilt every render; its fields are the inputs
  const verdicts = useMemo(
    () => (policy && users ? passwords.map((pw, i) => (pw === '' ? null : violationsFor(pw, policy, users[i]?.login ?? ''))) : []),
    [policy, users, passwords],
  );
  const failing = verdicts.reduce((k, v) => k + (v && v.length > 0 ? 1 : 0), 0);
  const firstFailing = users ? users.filter((_, i) => (verdicts[i]?.length ?? 0) > 0).slice(0, 5).map((u) => u.login) : [];
  const missingUnique = mode === 'unique' && users ? users.filter((u) => !unique[u.id]).length : 0;

  const sameViolations = policy && password ? violationsFor(password, policy, '').length : 0;
  const formError =
    mode === 'same'
      ? !password
        ? 'Enter the new password'
        : sameViolations > 0
          ? 'The password does not meet the policy'
          : confirm !== password
            ? 'The passwords do not match'
            : undefined
      : mode === 'template'
        ? startError
          ? 'Enter the number to start from'
          : users && failing === users.length
            ? 'Every password from this template fails the policy'
            : undefined
        : missingUnique > 0
          ? `${formatCount(missingUnique, 'user has', 'users have')} no password yet: type one or use Generate all`
          : users && failing === users.length
            ? 'Every password fails the policy'
            : undefined;

  function modeOf(): PasswordMode {
    if (mode === 'same') return { kind: 'same', password };
    if (mode === 'template') return { kind: 'template', prefix, start, postfix };
    const map: Record<string, string> = {};
    for (const u of users ?? []) map[u.id] = unique[u.id] ?? '';
    return { kind: 'unique', passwords: map };
  }

  function close() {
    const st = useAppStore.getState();
    if (again) st.openDialog({ kind: 'generated', jobId: again.jobId });
    else st.closeDialog();
  }

  async function loadSignedIn(ids: readonly string[]) {
    setSignedIn('loading');
    try {
      let total = 0;
      const logins: string[] = [];
      for (let i = 0; i < ids.length; i += SIGNED_IN_BATCH) {
        const res = await window.gatepass.users.signedIn({ serverId, userIds: ids.slice(i, i + SIGNED_IN_BATCH) });
        total += res.count;
        logins.push(...res.logins);
      }
      setSignedIn({ count: total, logins: logins.slice(0, 50) });
    } catch (err) {
      setSignedIn({ error: errorMessage(err) });
    }
  }

  function onOk() {
    setTried(true);
    if (formError || !policy || !users) return;
    setError(null);
    setStep('confirm');
    void loadSignedIn(users.map((u) => u.id));
  }

  async function onGenerate() {
    if (!users) return;
    setBusy(true);
    setError(null);
    try {
      const st = useAppStore.getState();
      const ids = users.map((u) => u.id);
      const job = again ? await st.regenerateCodes(again.jobId, ids, modeOf()) : await st.generateCodes(serverId, ids, modeOf());
      st.openDialog({ kind: 'generated', jobId: job.jobId });
    } catch (err) {
      setError(errorMessage(err));
      setStep('form');
    } finally {
      setBusy(false);
    }
  }

  function setUniqueOne(userId: string, value: string) {
    setUnique((cur) => ({ ...cur, [userId]: value }));
  }

  function generateAll() {
    if (!users) return;
    const next: Record<string, string> = {};
    for (const u of users) next[u.id] = strongPasswordFor(u.login, policy);
    setUnique(next);
  }

  if (step === 'confirm') {
    return (
      <ModalFrame title="Generate QR Code" onSubmit={() => void onGenerate()} busy={busy} role="alertdialog" onClose={close}>
        <p className="warning-text">
          Issuing new codes disconnects {n === 1 ? 'this user' : `these ${n.toLocaleString('en-US')} users`} at once. Do it outside working hours.
        </p>
        <p aria-live="polite">
          {signedIn === 'loading' ? (
            <span className="muted">Checking who is signed in now…</span>
          ) : 'error' in signedIn ? (
            <span className="error-text">Could not check who is signed in: {signedIn.error}</span>
          ) : signedIn.count === 0 ? (
            <span>None of them is signed in now.</span>
          ) : (
            <span>
              <strong>{formatCount(signedIn.count, 'of them is', 'of them are')} signed in now</strong> and will be signed out.
            </span>
          )}
        </p>
        {typeof signedIn === 'object' && 'logins' in signedIn && signedIn.logins.length > 0 ? (
          <ul className="login-list" aria-label="Signed in now">
            {signedIn.logins.map((l) => (
              <li key={l}>{l}</li>
            ))}
            {signedIn.count > signedIn.logins.length ? <li className="muted">and {formatCount(signedIn.count - signedIn.logins.length, 'more')}</li> : null}
          </ul>
        ) : null}
        {failing > 0 ? (
          <p className="error-text">
            {formatCount(failing, 'password fails', 'passwords fail')} the policy: {failing === 1 ? 'that user keeps the' : 'those users keep their'} old password and
            {failing === 1 ? ' gets a broken code' : ' get broken codes'}.
          </p>
        ) : null}
        <DialogError message={error} />
        <DialogButtons>
          <Button className="button" onPress={() => setStep('form')} isDisabled={busy}>
            Back
          </Button>
          <span className="spacer" />
          <Button className="button" onPress={close} isDisabled={busy}>
            Cancel
          </Button>
          <Button className="button primary" type="submit" isDisabled={busy} autoFocus>
            {busy ? 'Generating…' : 'Generate'}
          </Button>
        </DialogButtons>
      </ModalFrame>
    );
  }

  const multiNote = multiAllowed ? undefined : 'Select two users or more for a template or unique passwords.';
  return (
    <ModalFrame title="Generate QR Code" onSubmit={onOk} busy={busy} className="generate" onClose={close}>
      <p className="note">
        {again ? 'Generate again for ' : 'New sign-in QR codes for '}
        <strong>{formatCount(n, again ? 'user' : 'selected user')}</strong>
        {users === null && !usersError ? ' (loading their logins…)' : ''}.
      </p>
      {usersError ? <p className="error-text" role="alert">{usersError}</p> : null}
      <RadioGroup className="mode-group" value={mode} onChange={(v) => setMode(v as ModeKind)} orientation="horizontal" aria-describedby={multiNote ? 'mode-note' : undefined}>
        <Label className="group-label">Password</Label>
        <div className="mode-options">
          <Radio className="radio" value="same">
            <span className="radio-dot" aria-hidden="true" />
            The same password
          </Radio>
          <Radio className="radio" value="template" isDisabled={!multiAllowed}>
            <span className="radio-dot" aria-hidden="true" />
            Use template
          </Radio>
          <Radio className="radio" value="unique" isDisabled={!multiAllowed}>
            <span className="radio-dot" aria-hidden="true" />
            Use unique
          </Radio>
        </div>
        {multiNote ? (
          <Text slot="description" id="mode-note" className="hint">
            {multiNote}
          </Text>
        ) : null}
      </RadioGroup>

      {mode === 'same' ? (
        <div className="two-col">
          <div>
            <Field label="New password" value={password} onChange={setPassword} type="password" autoFocus autoComplete="new-password" error={tried && !password ? 'Enter the new password' : tried && sameViolations > 0 ? 'The password does not meet the policy' : undefined} />
            <Field label="Confirm password" value={confirm} onChange={setConfirm} type="password" autoComplete="new-password" error={tried && confirm !== password ? 'The passwords do not match' : undefined} />
            {password && failing > 0 && sameViolations === 0 ? (
              <p className="error-text">
                Contains the login of {firstFailing.join(', ')}
                {failing > firstFailing.length ? ` and ${failing - firstFailing.length} more` : ''}: {failing === 1 ? 'that user gets' : 'they get'} a broken code.
              </p>
            ) : null}
          </div>
          <PolicyPanel policy={policy} error={policyError} password={password} />
        </div>
      ) : null}

      {mode === 'template' ? (
        <div className="two-col">
          <div>
            <div className="template-fields">
              <Field label="Prefix" value={prefix} onChange={setPrefix} autoFocus />
              <Field label="Start from" value={startText} onChange={setStartText} error={startError} />
              <Field label="Postfix" value={postfix} onChange={setPostfix} />
            </div>
            <p className="note">Password = prefix + number + postfix; the number counts up by one per user in the table's order.</p>
            <div className="preview" role="table" aria-label="Template preview">
              <div role="row" className="preview-row header">
                <span role="columnheader">Login</span>
                <span role="columnheader">Password</span>
                <span role="columnheader">Policy</span>
              </div>
              {(users ?? []).slice(0, PREVIEW_COUNT).map((u, i) => (
                <div role="row" key={u.id} className="preview-row">
                  <span role="cell" className="cell" title={u.login}>{u.login}</span>
                  <span role="cell" className="cell mono">{passwords[i]}</span>
                  <span role="cell" className="cell">
                    <Verdict violations={verdicts[i] ?? null} empty={!passwords[i]} />
                  </span>
                </div>
              ))}
              {users && users.length > PREVIEW_COUNT ? <div className="preview-more muted">and {formatCount(users.length - PREVIEW_COUNT, 'more user')}</div> : null}
            </div>
          </div>
          <PolicyPanel policy={policy} error={policyError}>
            <PolicySummary total={users?.length ?? 0} failing={failing} first={firstFailing} ready={!!policy && !!users && !startError} />
          </PolicyPanel>
        </div>
      ) : null}

      {mode === 'unique' ? (
        <>
          <div className="unique-tools">
            <Button className="button" onPress={generateAll} isDisabled={!users} autoFocus>
              Generate all
            </Button>
            <Checkbox className="checkbox" isSelected={showUnique} onChange={setShowUnique}>
              <span className="checkbox-box" aria-hidden="true" />
              Show passwords
            </Checkbox>
            <span className="spacer" />
            <PolicySummary total={users?.length ?? 0} failing={failing} first={firstFailing} ready={!!policy && !!users} missing={missingUnique} />
          </div>
          {users ? (
            <UniqueGrid users={users} passwords={unique} verdicts={verdicts} show={showUnique} onChange={setUniqueOne} onGenerate={(u) => setUniqueOne(u.id, strongPasswordFor(u.login, policy))} />
          ) : (
            <p className="note">Loading users…</p>
          )}
          <PolicyPanel policy={policy} error={policyError} />
        </>
      ) : null}

      <DialogError message={error ?? (tried && mode !== 'same' ? (formError ?? null) : null)} />
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

/** "All 5 pass" or "1 of 5 fails: a.berg", under the policy. */
function PolicySummary(props: { total: number; failing: number; first: readonly string[]; ready: boolean; missing?: number }) {
  if (!props.ready) return null;
  const checked = props.total - (props.missing ?? 0);
  if (props.failing === 0) {
    return (
      <p className="policy-summary ok-text" role="status">
        {checked === props.total ? `All ${props.total.toLocaleString('en-US')} passwords pass` : `${checked.toLocaleString('en-US')} of ${props.total.toLocaleString('en-US')} set, all pass`}
      </p>
    );
  }
  return (
    <p className="policy-summary error-text" role="status">
      {props.failing.toLocaleString('en-US')} of {props.total.toLocaleString('en-US')} fail: {props.first.join(', ')}
      {props.failing > props.first.length ? ', …' : ''}. They keep their old password and get a broken code.
    </p>
  );
}
