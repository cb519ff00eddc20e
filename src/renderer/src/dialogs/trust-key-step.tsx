import { useId, useLayoutEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { pastedKeyMatches, tlsRefusalOf, type TlsRefusal } from '../../../shared/model/tls-certificate';
import { errorMessage, formatDateTime } from '../lib/format';
import { Field } from './field';
import { DialogButtons, DialogError } from './modal-frame';

/** The question an administrator answers before the console trusts a server's key. */
export const TRUST_QUESTION = "Compare this with the fingerprint the server printed when it started (or ask its operator). Trust this server's key?";

/**
 * Why what was pasted cannot be trusted, or undefined when it names the key presented (or
 * nothing was pasted: then Trust trusts the key shown, after the administrator compared it).
 */
export function pastedProblem(pasted: string, refusal: TlsRefusal): string | undefined {
  const match = pastedKeyMatches(pasted, refusal.certificate);
  if (match === 'unreadable') return 'Paste the key pin (sha256/…) or the SHA-256 fingerprint (AB:CD:…) as the server printed it';
  if (match === false) return 'This is not the key the server presents: do not trust it. Someone may be intercepting the connection, or the pin belongs to another server; check with its operator.';
  return undefined;
}

/**
 * What Enter in the trust step does: trust when the pasted pin or fingerprint matches (the
 * administrator verified the key by typing it), say what is wrong when it does not, and with
 * nothing pasted only say how to trust: a stray Enter never trusts a key.
 */
export function trustOnEnter(pasted: string, refusal: TlsRefusal): 'trust' | 'problem' | 'hint' {
  if (!refusal.certificate.selfSigned) return 'hint';
  if (!pasted.trim()) return 'hint';
  return pastedProblem(pasted, refusal) ? 'problem' : 'trust';
}

/** The line shown when Enter was pressed with nothing pasted. */
export const ENTER_HINT = 'Enter does not trust a key: compare the fingerprint above, then choose Trust (or paste the pin the operator gave you).';

/** The trust step's state in a dialog that signs in to a server (Add server, Edit server). */
export interface TrustStep {
  /** The certificate presented when the server was refused: while set, the dialog shows the step. */
  readonly refusal: TlsRefusal | null;
  /** The key trusted in this dialog, for the address it was trusted at (another address drops it). */
  readonly trusted: { url: string; pin: string } | null;
  /**
   * After a failed sign-in: true when the server's TLS key was the reason. Nothing was sent then;
   * the step shows what the server presents (again, if its key changed since it was shown).
   */
  refusedBy(err: unknown, tlsPin: string | null): boolean;
  /** Shows the step for a certificate the dialog already has (the one a server was refused with before). */
  review(refusal: TlsRefusal): void;
  /** What Enter does in the step (see trustOnEnter). */
  enter(): void;
  /** Back to the form: nothing is trusted. */
  leave(): void;
  /** TrustKeyStep's props but the dialog's own (changedFor, onCancel). */
  readonly stepProps: Pick<Parameters<typeof TrustKeyStep>[0], 'url' | 'refusal' | 'pasted' | 'onPasted' | 'showProblem' | 'error' | 'busy' | 'onTrust'> | null;
}

/**
 * The trust step of a dialog, in one place: the refusal to review, the pin or fingerprint pasted
 * and whether it was checked, the key trusted and for which address. Trust (or Enter on a pin that
 * matches) calls `send` with the key's pin: the dialog signs in again, pinned to it.
 */
export function useTrustStep(opts: {
  url: string;
  error: string | null;
  setError: (message: string | null) => void;
  busy: boolean;
  send: (pin: string) => void;
  initial?: TlsRefusal | null;
}): TrustStep {
  const [refusal, setRefusal] = useState<TlsRefusal | null>(opts.initial ?? null);
  const [pasted, setPasted] = useState('');
  const [pastedChecked, setPastedChecked] = useState(false);
  const [trusted, setTrusted] = useState<{ url: string; pin: string } | null>(null);
  const { url, setError } = opts;

  function trust() {
    if (!refusal) return;
    setPastedChecked(true);
    if (pastedProblem(pasted, refusal)) return;
    const pin = refusal.certificate.pin;
    setTrusted({ url, pin });
    opts.send(pin);
  }

  return {
    refusal,
    trusted,
    refusedBy(err, tlsPin) {
      const refused = tlsRefusalOf(err);
      if (!refused) {
        setRefusal(null);
        return false;
      }
      setRefusal(refused);
      setTrusted(null);
      setPasted('');
      setPastedChecked(false);
      setError(tlsPin ? errorMessage(err) : null);
      return true;
    },
    review(r) {
      setRefusal(r);
      setPasted('');
      setPastedChecked(false);
    },
    enter() {
      if (!refusal) return;
      const next = trustOnEnter(pasted, refusal);
      if (next === 'trust') trust();
      else if (next === 'problem') setPastedChecked(true);
      else setError(ENTER_HINT);
    },
    leave() {
      setRefusal(null);
    },
    stepProps: refusal
      ? {
          url,
          refusal,
          pasted,
          onPasted: (v) => {
            setPasted(v);
            setPastedChecked(false);
            setError(null);
          },
          showProblem: pastedChecked,
          error: opts.error,
          busy: opts.busy,
          onTrust: trust,
        }
      : null,
  };
}

/**
 * One step of Add server and Edit server: the certificate a server presents when this machine
 * does not trust it (or when its key changed), to compare with what `gatepass server` printed at
 * start, with Trust and Cancel. Trust is never the default: Enter in the pasted-pin field trusts
 * only a pin or fingerprint that matches, and an empty field only says what to do, so a stray Enter
 * from the password field of the step before cannot trust a key (the step starts in that field).
 * Rendered inside ModalFrame's form: the dialog's submit handles Enter here with `trustOnEnter`.
 */
export function TrustKeyStep(props: {
  url: string;
  refusal: TlsRefusal;
  /** The server's name when its trusted key changed (Edit server); absent when it was never trusted. */
  changedFor?: string | undefined;
  pasted: string;
  onPasted: (v: string) => void;
  /** Whether the pasted text was checked (after Trust or Enter): show its problem then. */
  showProblem: boolean;
  error: string | null;
  busy: boolean;
  onTrust: () => void;
  onCancel: () => void;
}) {
  const cert = props.refusal.certificate;
  const problem = props.showProblem ? pastedProblem(props.pasted, props.refusal) : undefined;
  // When the step was shown: what "expired" is measured against.
  const [now] = useState(() => Date.now());
  const expired = Date.parse(cert.validTo) < now;
  const notYet = Date.parse(cert.validFrom) > now;
  const detailsId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  // With nothing to trust (not self-signed), the way out is the step's one button: start there.
  useLayoutEffect(() => {
    if (!cert.selfSigned) cancelRef.current?.focus();
  }, [cert.selfSigned]);
  return (
    <>
      <div role="group" aria-label="Certificate presented" id={detailsId} className="trust-key">
        <div className="warning-box">
          {props.changedFor ? (
            <p className="warning-text">
              <strong>{props.changedFor}</strong> now presents a different TLS key than the one you trusted. Someone may be intercepting the connection, or its
              operator replaced the certificate. Nothing was sent to it.
            </p>
          ) : (
            <p className="warning-text">
              This machine does not trust the certificate of <strong>{new URL(props.url).host}</strong>
              {cert.selfSigned ? ' (it is self-signed)' : ''}. Nothing was sent to it: no password, no request.
            </p>
          )}
        </div>
        <dl className="settings-facts">
          <dt>SHA-256 fingerprint</dt>
          <dd className="mono" data-testid="presented-fingerprint">
            {cert.fingerprint}
          </dd>
          <dt>Key pin</dt>
          <dd className="mono" data-testid="presented-pin">
            {cert.pin}
          </dd>
          {props.refusal.pinned ? (
            <>
              <dt>Trusted until now</dt>
              <dd className="mono">{props.refusal.pinned}</dd>
            </>
          ) : null}
          <dt>Issued to</dt>
          <dd>{cert.subject || '(no name)'}</dd>
          <dt>Issued by</dt>
          <dd>{cert.selfSigned ? `${cert.issuer || '(no name)'} (self-signed)` : cert.issuer || '(no name)'}</dd>
          <dt>Valid</dt>
          <dd>
            {formatDateTime(cert.validFrom)} to {formatDateTime(cert.validTo)}
            {expired ? ' (expired)' : notYet ? ' (not valid yet)' : ''}
          </dd>
        </dl>
      </div>
      {cert.selfSigned ? (
        <>
          <p className="trust-question">{TRUST_QUESTION}</p>
          <Field
            label="Or paste the pin or fingerprint the operator gave you"
            value={props.pasted}
            onChange={props.onPasted}
            autoFocus
            error={problem}
            hint="Optional. When given, it must match the key shown above."
          />
        </>
      ) : (
        <p className="error-text">
          This certificate is not self-signed, and this machine does not trust its issuer ({cert.issuer || 'no name'}): a key pin cannot vouch for it. Install
          the issuer&apos;s certificate authority on this machine, or ask the operator for a certificate this machine trusts.
        </p>
      )}
      <DialogError message={props.error} />
      <DialogButtons>
        <Button ref={cancelRef} className="button" onPress={props.onCancel} isDisabled={props.busy}>
          Cancel
        </Button>
        {cert.selfSigned ? (
          <Button className="button primary" onPress={props.onTrust} isDisabled={props.busy} aria-describedby={detailsId}>
            {props.busy ? 'Signing in…' : 'Trust'}
          </Button>
        ) : null}
      </DialogButtons>
    </>
  );
}
