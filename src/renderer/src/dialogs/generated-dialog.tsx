import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import { ChevronDownIcon } from '../components/icons';
import { closeQuestion, generateAgainLabel, isOkCode, KEEP_PROMISE, notReKeyedText, notReKeyedUsers, unsavedCount } from '../lib/job-text';
import { useAppStore } from '../store/store';
import type { SaveOptions } from '../store/types';
import { DialogButtons, ModalFrame } from './modal-frame';
import { QrCard } from './qr-card';
import { SaveStatus } from './save-status';

/** Card cell size in pixels (card plus gap); fixed so thousands of cards need no measuring. */
const CELL_W = 176;
const CELL_H = 232;

/** How many cards fit across a container of `width` pixels (at least one). */
export function columnsFor(width: number, cellWidth = CELL_W): number {
  return Math.max(1, Math.floor(width / cellWidth));
}

/** "one PDF (A4)", "a ZIP of per-user PDFs with configuration files (Letter, badges)". */
export function describeSaveOptions(o: SaveOptions, broken = 0): string {
  const what =
    o.format === 'pdf'
      ? o.includeConfig
        ? 'one ZIP holding one PDF and a config folder of .usr files'
        : 'one PDF'
      : `a ZIP of per-user PDFs${o.includeConfig ? ' with .usr configuration files' : ''}`;
  const leftOut = broken > 0 && o.omitBroken ? `, without the ${broken === 1 ? 'broken code' : `${broken.toLocaleString('en-US')} broken codes`}` : '';
  return `${what} (${o.pageSize}${o.layout === 'badges' ? ', badges' : ''}${leftOut})`;
}

/**
 * After a cancelled run: how many users it never reached (their old codes still work) and,
 * on demand, every one of their logins in a scrolling list.
 */
function NotReKeyed({ users }: { users: readonly { userId: string; login: string; displayName: string }[] }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="not-rekeyed">
      <p className="warning-text">
        <strong>{notReKeyedText(users.length)}</strong> Issuing was cancelled before it reached them.
      </p>
      <details onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>{open ? 'Hide their logins' : 'Show their logins'}</summary>
        {/* Rendered only while open: a cancel early in a big batch leaves thousands. */}
        {open ? (
          <ul className="login-list scroll" aria-label="Users not re-keyed" tabIndex={0}>
            {users.map((u) => (
              <li key={u.userId} title={u.displayName || undefined}>
                {u.login}
              </li>
            ))}
          </ul>
        ) : null}
      </details>
    </div>
  );
}

/**
 * The question before the popup closes with codes nobody saved (their users' old codes are
 * already void): Save is the default answer, then the popup stays to show how it went.
 */
function UnsavedQuestion(props: { unsaved: number; onSave: () => void; onCloseAnyway: () => void; onBack: () => void }) {
  return (
    <ModalFrame title="Unsaved QR codes" role="alertdialog" onSubmit={props.onSave} onClose={props.onBack} className="question">
      <p>{closeQuestion(props.unsaved)}</p>
      <p className="note">Closing makes the console forget them; those users would then need new codes issued again.</p>
      <DialogButtons>
        <Button className="button" onPress={props.onBack}>
          Back to the codes
        </Button>
        <span className="spacer" />
        <Button className="button danger" onPress={props.onCloseAnyway}>
          Close anyway
        </Button>
        <Button className="button primary" type="submit" data-autofocus>
          Save
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}

/**
 * The Generated QR codes popup: every result of the job as a card, virtualised by rows of
 * cards. The job lives in main until this popup closes (qr:discard), so it can be saved again
 * and again in any form; closing with codes no save has written asks first.
 */
export function GeneratedDialog({ jobId }: { jobId: string }) {
  const { job, save, saveOptions, saved } = useAppStore(
    useShallow((s) => ({ job: s.jobs[jobId], save: s.saves[jobId], saveOptions: s.saveOptions, saved: s.savedCodes[jobId] })),
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(CELL_W * 4);
  const [asking, setAsking] = useState(false);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const codes = job?.codes ?? [];
  const cols = columnsFor(width);
  const rows = Math.ceil(codes.length / cols);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CELL_H,
    overscan: 2,
    useFlushSync: false,
  });

  const ok = codes.filter(isOkCode).length;
  const brokenUsers = codes.filter((c) => !isOkCode(c)).map((c) => ({ id: c.userId, login: c.login }));
  const broken = brokenUsers.length;
  const waiting = notReKeyedUsers(job?.notIssued, codes);
  const unsaved = unsavedCount(codes, saved);
  const saving = save?.state === 'saving';
  const st = useAppStore.getState;

  function generateAgain() {
    if (!job || broken + waiting.length === 0) return;
    const users = [...brokenUsers, ...waiting.map((w) => ({ id: w.userId, login: w.login }))];
    st().openDialog({ kind: 'generate', serverId: job.serverId, count: users.length, again: { jobId, users } });
  }

  function closeNow() {
    setAsking(false);
    st().closeDialog();
    void st().discardJob(jobId);
  }

  /** Esc, Close: straight away when every new code is saved, else ask first. */
  function requestClose() {
    if (saving) return;
    if (unsaved > 0) setAsking(true);
    else closeNow();
  }

  function saveFromQuestion() {
    setAsking(false);
    void st().saveJob(jobId);
  }

  const idle =
    ok > 0
      ? `Save writes ${describeSaveOptions(saveOptions, broken)}.`
      : waiting.length > 0 && broken === 0
        ? 'Nothing to save: no user was re-keyed.'
        : 'Nothing to save: every code is broken.';

  return (
    <ModalFrame title="Generated QR codes" className="large" busy={saving} onClose={requestClose}>
      <div className="generated-summary" role="status">
        <strong>{ok.toLocaleString('en-US')} generated</strong>
        {broken > 0 ? <strong className="error-text">, {broken.toLocaleString('en-US')} broken</strong> : <span>, 0 broken</span>}
        {waiting.length > 0 ? <strong className="warning-text">, {waiting.length.toLocaleString('en-US')} not re-keyed</strong> : null}
        {job ? <span className="muted"> · {job.serverName}</span> : null}
        {broken > 0 ? (
          <span className="muted">
            {job?.codes.some((c) => c.errorCode === 'ISSUE_UNCONFIRMED')
              ? ' · broken users keep their old password and codes, except those marked unconfirmed (the server stopped answering: use Generate again for them)'
              : ' · broken users keep their old password and codes'}
          </span>
        ) : null}
      </div>
      {waiting.length > 0 ? <NotReKeyed users={waiting} /> : null}
      <div ref={scrollRef} className="qr-scroll" role="list" aria-label="Generated QR codes" tabIndex={0}>
        <div className="qr-spacer" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((row) => (
            <div key={row.index} className="qr-row" role="presentation" style={{ transform: `translateY(${row.start}px)` }}>
              {codes.slice(row.index * cols, row.index * cols + cols).map((c) => (
                <QrCard key={c.userId} code={c} />
              ))}
            </div>
          ))}
        </div>
      </div>
      <SaveStatus jobId={jobId} save={save} idle={idle} />
      {ok > 0 ? <p className="note">{KEEP_PROMISE}</p> : null}
      <DialogButtons>
        {broken + waiting.length > 0 ? (
          <Button className="button" onPress={generateAgain} isDisabled={saving || !job}>
            {generateAgainLabel(broken, waiting.length)}
          </Button>
        ) : null}
        <span className="spacer" />
        <Button className="button" onPress={requestClose} isDisabled={saving}>
          Close
        </Button>
        <div className="split-button" role="group" aria-label="Save">
          <Button className="button primary split-main" onPress={() => void st().saveJob(jobId)} isDisabled={saving || ok === 0 || !job} data-autofocus>
            Save
          </Button>
          {/* Its name must not contain "Save": the one-click path is the button named Save. */}
          <Button
            className="button primary split-more"
            aria-label="Choose file type and layout…"
            onPress={() => st().openDialog({ kind: 'saveOptions', jobId })}
            isDisabled={saving || ok === 0 || !job}
          >
            <ChevronDownIcon />
          </Button>
        </div>
      </DialogButtons>
      {asking ? <UnsavedQuestion unsaved={unsaved} onSave={saveFromQuestion} onCloseAnyway={closeNow} onBack={() => setAsking(false)} /> : null}
    </ModalFrame>
  );
}
