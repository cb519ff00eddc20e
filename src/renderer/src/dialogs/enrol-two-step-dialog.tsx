import { useCallback, useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import type { ChannelOutput, ShownRecoveryCodes } from '../../../shared/ipc/contract';
import { errorMessage, formatDateTime } from '../lib/format';
import { groupSecret, otpProblem } from '../lib/two-step-text';
import { useAppStore } from '../store/store';
import { Field } from './field';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { RecoveryCodesPanel } from './recovery-codes-panel';

type Start = ChannelOutput<'twoStep:startEnrolment'>;

/** The server's QR code as a picture: an SVG in an <img>, where no script it might hold can run. */
function qrDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/**
 * The administrator sets up an authenticator app for their own account on this server: the QR
 * code the server renders and the secret as text (for typing in), then one code from the app to
 * confirm; the 8 recovery codes follow, shown once, to save as .txt or print. Cancelling an
 * enrolment that was started drops it on the server. An account that already has two-step
 * verification enrols a new app the same way; the old one works until the new one is confirmed.
 */
export function EnrolTwoStepDialog({ serverId }: { serverId: string }) {
  const server = useAppStore((s) => s.servers.find((x) => x.id === serverId));
  const [start, setStart] = useState<Start | null>(null);
  const [code, setCode] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [expired, setExpired] = useState(false);
  const [codes, setCodes] = useState<ShownRecoveryCodes | null>(null);

  const begin = useCallback(async () => {
    setBusy(true);
    setError(null);
    setExpired(false);
    setCode('');
    setTried(false);
    try {
      setStart(await window.gatepass.twoStep.startEnrolment({ serverId }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }, [serverId]);

  useEffect(() => {
    // Starting the enrolment when the dialog opens is the point of this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void begin();
  }, [begin]);

  const close = () => {
    const st = useAppStore.getState();
    st.closeDialog();
    if (codes) {
      st.bumpTwoStep();
      st.showNotice({ tone: 'info', text: `Two-step verification is on for ${server?.login ?? 'your account'} on ${server?.name ?? 'the server'}` });
    }
  };

  function cancel() {
    // Started and not confirmed: drop it on the server too (it would expire by itself).
    if (start && !codes) void window.gatepass.twoStep.cancelEnrolment({ serverId }).catch(() => {});
    useAppStore.getState().closeDialog();
  }

  async function confirm() {
    setTried(true);
    if (!start || otpProblem(code) || busy) return;
    setBusy(true);
    setError(null);
    try {
      setCodes(await window.gatepass.twoStep.confirmEnrolment({ serverId, code: code.replace(/\s/g, '') }));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'TOTP_ENROLMENT_EXPIRED') setExpired(true);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  if (codes) {
    return (
      <ModalFrame title="Two-step verification is on" className="wide" step="codes" onClose={close}>
        <RecoveryCodesPanel codes={codes} whose="own" />
        <DialogButtons>
          <Button className="button primary" onPress={close} data-autofocus>
            Done
          </Button>
        </DialogButtons>
      </ModalFrame>
    );
  }

  return (
    <ModalFrame title="Set up two-step verification" className="wide" onSubmit={() => void confirm()} busy={busy} onClose={cancel} step={start ? 'scan' : 'start'}>
      <p>
        Sign-ins to {server?.name ?? 'this server'} as {server?.login ?? 'you'} will need a code from an authenticator app (Google Authenticator, Microsoft
        Authenticator, FreeOTP, …) besides the password.
      </p>
      {start ? (
        <div className="enrol">
          <div className="enrol-qr">
            <img src={qrDataUrl(start.qrSvg)} alt="QR code for your authenticator app" width={200} height={200} />
          </div>
          <div className="enrol-steps">
            <p>
              <strong>1.</strong> Scan the QR code with the app, or add an account by hand with this key:
            </p>
            <p className="secret" aria-label="Key for typing">
              <code>{groupSecret(start.secret)}</code>
            </p>
            <p className="note">
              Account {start.accountName}, issuer {start.issuer}; time-based, 6 digits, every 30 seconds. Confirm before {formatDateTime(start.expiresAt)}.
            </p>
            <p>
              <strong>2.</strong> Enter the code the app shows:
            </p>
            <Field
              label="Code from the app"
              value={code}
              onChange={setCode}
              inputMode="numeric"
              autoComplete="one-time-code"
              autoFocus
              maxLength={9}
              error={tried ? otpProblem(code) : undefined}
            />
          </div>
        </div>
      ) : busy ? (
        <p className="muted">Starting…</p>
      ) : null}
      <DialogError message={error} />
      <DialogButtons>
        {expired || (!start && !busy) ? (
          <Button className="button" onPress={() => void begin()} isDisabled={busy}>
            Start again
          </Button>
        ) : null}
        <span className="spacer" />
        <Button className="button" onPress={cancel} isDisabled={busy}>
          Cancel
        </Button>
        <Button className="button primary" type="submit" isDisabled={busy || !start}>
          {busy && start ? 'Confirming…' : 'Turn on'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}
