import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import type { ShownRecoveryCodes } from '../../../shared/ipc/contract';
import { errorMessage, formatDateTime } from '../lib/format';
import { triggerDownload } from '../transport/http-transport';

/**
 * Prints only the codes: the page's print style shows `.print-codes` alone while the body
 * carries `printing-codes` (styles.css), so the sheet holds the codes and what they are for,
 * not the console around them.
 */
function printCodes(): void {
  document.body.classList.add('printing-codes');
  const done = () => {
    document.body.classList.remove('printing-codes');
    window.removeEventListener('afterprint', done);
  };
  window.addEventListener('afterprint', done);
  window.print();
  // Some engines print synchronously and fire no afterprint.
  setTimeout(done, 1000);
}

/**
 * Recovery codes just made, shown this once: the server keeps only their hashes. Save as .txt
 * is written by main (a save dialog, or the browser host's one-time download), Print prints
 * just the codes. When the panel goes, main forgets them.
 */
export function RecoveryCodesPanel({ codes, whose }: { codes: ShownRecoveryCodes; whose: 'own' | 'user' }) {
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const id = codes.codesId;
    return () => {
      void window.gatepass.twoStep.discardRecoveryCodes({ codesId: id }).catch(() => {});
    };
  }, [codes.codesId]);

  async function save() {
    setSaving(true);
    setError(null);
    try {
      const r = await window.gatepass.twoStep.saveRecoveryCodes({ codesId: codes.codesId });
      if (r.kind === 'download') {
        triggerDownload(r.url, r.fileName);
        setStatus(`Saved as ${r.fileName}`);
      } else if (r.kind === 'saved') setStatus(`Saved to ${r.path}`);
      else setStatus('Not saved');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  }

  const title = `Gatepass recovery codes for ${codes.login} on ${codes.serverName}`;
  return (
    <section className="recovery-codes" aria-label="Recovery codes">
      <p>
        <strong>{whose === 'own' ? 'Your recovery codes' : `Recovery codes for ${codes.login}`}</strong>: each signs in once in place of an authenticator code.{' '}
        {whose === 'own' ? 'Keep them somewhere safe.' : 'Hand them to the user in a safe way.'} They are shown only now; making new codes voids these.
      </p>
      <div className="print-codes">
        <p className="print-only">
          <strong>{title}</strong>
          <br />
          Generated {formatDateTime(codes.generatedAt)}. Each code signs in once, in place of an authenticator code, in any order.
        </p>
        <ol className="code-list" aria-label="Codes">
          {codes.recoveryCodes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ol>
      </div>
      <div className="settings-buttons">
        <Button className="button" onPress={() => void save()} isDisabled={saving}>
          {saving ? 'Saving…' : 'Save as .txt'}
        </Button>
        <Button className="button" onPress={printCodes}>
          Print
        </Button>
        <span className="ok-text" role="status">
          {status}
        </span>
      </div>
      {error ? (
        <p className="dialog-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
