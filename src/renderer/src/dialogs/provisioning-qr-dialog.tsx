import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import type { GeneratedCode } from '../../../shared/ipc/contract';
import { BrokenIcon } from '../components/icons';
import { errorMessage, formatCount, formatDateTime } from '../lib/format';
import { isOkCode, unsavedCount } from '../lib/job-text';
import { namesSummary } from '../lib/user-actions';
import { validityDraft, validityProblem, validitySeconds, type ValidityDraft } from '../lib/validity';
import { useAppStore } from '../store/store';
import type { SaveOptions, SelectedUser } from '../store/types';
import { columnsFor } from './generated-dialog';
import { CancelButton, DialogButtons, DialogError, ModalFrame } from './modal-frame';
import { QrSvg } from './qr-card';
import { SaveStatus } from './save-status';
import { ValidityField } from './validity-field';

/** Card cell size in pixels (card plus gap), as in the Generated QR codes popup. */
const CELL_H = 232;
/** More cards than this are not laid out for the browser's printer: the PDF prints them. */
export const PRINT_MAX = 500;

/**
 * Show provisioning QR, first step: for the selected users of one server, how long the codes
 * stay valid, and what it does (each user's earlier code stops working); then the codes.
 */
export function ProvisioningQrDialog({ serverId, count }: { serverId: string; count: number }) {
  const [users, setUsers] = useState<readonly SelectedUser[] | null>(null);
  const [validity, setValidity] = useState<ValidityDraft>({ amount: '', unit: 'hours' });
  const [serverDefault, setServerDefault] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const serverName = useAppStore((s) => s.servers.find((x) => x.id === serverId)?.name ?? 'this server');

  useEffect(() => {
    let live = true;
    Promise.all([useAppStore.getState().resolveSelectedUsers(), window.gatepass.provisioning.settings({ serverId })])
      .then(([u, settings]) => {
        if (!live) return;
        setUsers(u);
        setServerDefault(settings.codeValiditySeconds);
        setValidity(validityDraft(settings.codeValiditySeconds));
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [serverId]);

  const seconds = validityProblem(validity) === null ? validitySeconds(validity) : null;

  async function show() {
    if (!users || users.length === 0 || seconds === null || busy) return;
    setBusy(true);
    setError(null);
    try {
      const st = useAppStore.getState();
      const job = await st.showProvisioningQr(serverId, users.map((u) => u.id), seconds);
      st.openDialog({ kind: 'provisioningCodes', jobId: job.jobId });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <ModalFrame title="Show provisioning QR" onSubmit={() => void show()} busy={busy} className="wide" step={busy ? 'issuing' : 'form'}>
      <p className="action-question">{users ? `New provisioning codes for ${namesSummary(users.map((u) => u.login))} on ${serverName}?` : 'Finding the selected users…'}</p>
      <p>
        Each user gets a new single-use code to scan with the Gatepass app on their phone; any earlier provisioning code of theirs stops working (an e-mail
        already sent to them included). The codes are shown once, in the next window: print them or save them as PDF there.
      </p>
      <ValidityField value={validity} onChange={setValidity} serverDefault={serverDefault} isDisabled={busy || !users} />
      {busy ? (
        <div className="save-line" aria-live="polite">
          <span>Issuing {formatCount(users?.length ?? count, 'provisioning code')}…</span>
          <progress aria-label="Issuing the codes" />
        </div>
      ) : null}
      <DialogError message={error} />
      <DialogButtons>
        <CancelButton busy={busy} />
        <Button className="button primary" type="submit" isDisabled={busy || !users || users.length === 0 || seconds === null} data-autofocus>
          Show codes
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

/** One user's provisioning code in the popup: the QR, or why there is none. */
function ProvisioningCard({ code }: { code: GeneratedCode }) {
  const broken = !isOkCode(code);
  const reason = code.reason ?? 'Not issued';
  return (
    <div role="listitem" className={`qr-card${broken ? ' broken' : ''}`} aria-label={`${code.login}: ${broken ? `not issued, ${reason}` : 'provisioning code'}`}>
      {broken || !code.qr ? (
        <div className="qr-broken" role="img" aria-label={`No provisioning code for ${code.login}: ${reason}`}>
          <BrokenIcon className="broken-icon" />
          <span className="broken-title">NOT ISSUED</span>
          <span className="broken-reason" title={reason}>
            {reason}
          </span>
        </div>
      ) : (
        <QrSvg size={code.qr.size} path={code.qr.path} label={`Provisioning QR code for ${code.login}`} />
      )}
      <div className="qr-login" title={code.login}>
        {code.login}
      </div>
      <div className="qr-name" title={code.displayName}>
        {code.displayName || '\u00a0'}
      </div>
      {broken ? <div className="qr-status bad">Not issued</div> : <div className="qr-status ok">Until {formatDateTime(code.expiresAt)}</div>}
    </div>
  );
}

/**
 * Prints only the codes: the print style shows `.print-cards` alone while the body carries
 * `printing-cards` (styles.css), all of them, not the popup's visible rows.
 */
function printCards(onDone: () => void): void {
  document.body.classList.add('printing-cards');
  const done = () => {
    document.body.classList.remove('printing-cards');
    window.removeEventListener('afterprint', done);
  };
  window.addEventListener('afterprint', done);
  window.print();
  // Some engines print synchronously and fire no afterprint.
  setTimeout(done, 1000);
  onDone();
}

/**
 * The provisioning codes popup (Show provisioning QR): each user's code as a card, Print, and
 * Save as PDF through the sign-in codes' PDF engine (main holds the payloads; this window only
 * the QR module paths). Closing with codes neither saved nor printed asks first: those users'
 * earlier codes no longer work.
 */
export function ProvisioningCodesDialog({ jobId }: { jobId: string }) {
  const { job, save, saved, saveOptions } = useAppStore(useShallow((s) => ({ job: s.jobs[jobId], save: s.saves[jobId], saved: s.savedCodes[jobId], saveOptions: s.saveOptions })));
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(176 * 4);
  const [asking, setAsking] = useState(false);
  const [pageSize, setPageSize] = useState<SaveOptions['pageSize']>(saveOptions.pageSize);
  const [layout, setLayout] = useState<SaveOptions['layout']>('single');
  const st = useAppStore.getState;

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const codes = job?.codes ?? [];
  const cols = columnsFor(width);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({ count: Math.ceil(codes.length / cols), getScrollElement: () => scrollRef.current, estimateSize: () => CELL_H, overscan: 2, useFlushSync: false });
  const ok = codes.filter(isOkCode);
  const notIssued = codes.length - ok.length;
  const unsaved = unsavedCount(codes, saved);
  const saving = save?.state === 'saving';

  function closeNow() {
    setAsking(false);
    st().closeDialog();
    void st().discardJob(jobId);
  }
  function requestClose() {
    if (saving) return;
    if (unsaved > 0) setAsking(true);
    else closeNow();
  }
  // Every card, one page of options: the PDF engine's own sheet, without the broken ones (they go to nobody).
  const saveAsPdf = () => void st().saveJob(jobId, { format: 'pdf', includeConfig: false, pageSize, layout, omitBroken: true });

  return (
    <ModalFrame title="Provisioning QR codes" className="large" busy={saving} onClose={requestClose}>
      <div className="generated-summary" role="status">
        <strong>{formatCount(ok.length, 'code')}</strong>
        {notIssued > 0 ? <strong className="error-text">, {notIssued.toLocaleString('en-US')} not issued</strong> : null}
        {job ? <span className="muted"> · {job.serverName}</span> : null}
        <span className="muted"> · each works once, until the time on its card</span>
      </div>
      <div ref={scrollRef} className="qr-scroll" role="list" aria-label="Provisioning QR codes" tabIndex={0}>
        <div className="qr-spacer" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((row) => (
            <div key={row.index} className="qr-row" role="presentation" style={{ transform: `translateY(${row.start}px)` }}>
              {codes.slice(row.index * cols, row.index * cols + cols).map((c) => (
                <ProvisioningCard key={c.userId} code={c} />
              ))}
            </div>
          ))}
        </div>
      </div>
      {/* What Print prints: every code, laid out for paper (hidden on screen). */}
      {ok.length <= PRINT_MAX ? (
        <div className="print-cards" aria-hidden="true">
          {ok.map((c) => (
            <div key={c.userId} className="print-card">
              {c.qr ? <QrSvg size={c.qr.size} path={c.qr.path} label={`Provisioning QR code for ${c.login}`} /> : null}
              <strong>{c.login}</strong>
              <span>{c.displayName}</span>
              <span>
                {job?.serverName}: scan with the Gatepass app to set up your phone. Works once, until {formatDateTime(c.expiresAt)}.
              </span>
            </div>
          ))}
        </div>
      ) : null}
      <SaveStatus jobId={jobId} save={save} idle={ok.length > 0 ? 'Save as PDF writes one card per user, ready to print, through the same engine as sign-in codes.' : 'Nothing to print: no code was issued.'} />
      {ok.length > PRINT_MAX ? <p className="note">Print works for up to {PRINT_MAX} codes at once: save them as PDF and print that.</p> : null}
      <DialogButtons>
        <label className="filter">
          <span>Page</span>
          <select aria-label="Page size" value={pageSize} onChange={(e) => setPageSize(e.target.value === 'Letter' ? 'Letter' : 'A4')} disabled={saving}>
            <option value="A4">A4</option>
            <option value="Letter">Letter</option>
          </select>
        </label>
        <label className="filter">
          <span>Layout</span>
          <select aria-label="Layout" value={layout} onChange={(e) => setLayout(e.target.value === 'badges' ? 'badges' : 'single')} disabled={saving}>
            <option value="single">One card per page</option>
            <option value="badges">Badges (six per page)</option>
          </select>
        </label>
        <span className="spacer" />
        <Button className="button" onPress={requestClose} isDisabled={saving}>
          Close
        </Button>
        <Button className="button" onPress={() => printCards(() => st().markPrinted(jobId))} isDisabled={saving || ok.length === 0 || ok.length > PRINT_MAX}>
          Print…
        </Button>
        <Button className="button primary" onPress={saveAsPdf} isDisabled={saving || ok.length === 0 || !job} data-autofocus>
          Save as PDF
        </Button>
      </DialogButtons>
      {asking ? (
        <ModalFrame title="Unsaved provisioning codes" role="alertdialog" onSubmit={() => { setAsking(false); saveAsPdf(); }} onClose={() => setAsking(false)} className="question">
          <p>
            {unsaved === 1 ? '1 provisioning code is' : `${unsaved.toLocaleString('en-US')} provisioning codes are`} neither saved nor printed, and the earlier codes
            of those users no longer work. Close anyway?
          </p>
          <p className="note">Closing makes the console forget them; those users would need new codes.</p>
          <DialogButtons>
            <Button className="button" onPress={() => setAsking(false)}>
              Back to the codes
            </Button>
            <span className="spacer" />
            <Button className="button danger" onPress={closeNow}>
              Close anyway
            </Button>
            <Button className="button primary" type="submit" data-autofocus>
              Save as PDF
            </Button>
          </DialogButtons>
        </ModalFrame>
      ) : null}
    </ModalFrame>
  );
}
