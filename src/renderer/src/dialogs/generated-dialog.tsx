import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import { ChevronDownIcon } from '../components/icons';
import { useAppStore } from '../store/store';
import type { SaveOptions } from '../store/types';
import { DialogButtons, ModalFrame } from './modal-frame';
import { QrCard } from './qr-card';
import { isSaved, SaveStatus } from './save-status';

/** Card cell size in pixels (card plus gap); fixed so thousands of cards need no measuring. */
const CELL_W = 176;
const CELL_H = 232;

/** How many cards fit across a container of `width` pixels (at least one). */
export function columnsFor(width: number, cellWidth = CELL_W): number {
  return Math.max(1, Math.floor(width / cellWidth));
}

/** "one PDF (A4)", "a ZIP of per-user PDFs with configuration files (Letter, badges)". */
export function describeSaveOptions(o: SaveOptions): string {
  const what =
    o.format === 'pdf'
      ? o.includeConfig
        ? 'one ZIP holding one PDF and a config folder of .usr files'
        : 'one PDF'
      : `a ZIP of per-user PDFs${o.includeConfig ? ' with .usr configuration files' : ''}`;
  return `${what} (${o.pageSize}${o.layout === 'badges' ? ', badges' : ''})`;
}

/** The Generated QR codes popup: every result of the job as a card, virtualised by rows of cards. */
export function GeneratedDialog({ jobId }: { jobId: string }) {
  const { job, save, saveOptions } = useAppStore(useShallow((s) => ({ job: s.jobs[jobId], save: s.saves[jobId], saveOptions: s.saveOptions })));
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(CELL_W * 4);

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

  const ok = codes.filter((c) => c.status === 'ok' && c.qr).length;
  const brokenUsers = codes.filter((c) => c.status !== 'ok' || !c.qr).map((c) => ({ id: c.userId, login: c.login }));
  const broken = brokenUsers.length;
  const saving = save?.state === 'saving';
  const saved = isSaved(save);
  const st = useAppStore.getState;

  function generateAgain() {
    if (!job || broken === 0) return;
    st().openDialog({ kind: 'generate', serverId: job.serverId, count: broken, again: { jobId, users: brokenUsers } });
  }

  return (
    <ModalFrame title="Generated QR codes" className="large" busy={saving}>
      <div className="generated-summary" role="status">
        <strong>{ok.toLocaleString('en-US')} generated</strong>
        {broken > 0 ? <strong className="error-text">, {broken.toLocaleString('en-US')} broken</strong> : <span>, 0 broken</span>}
        {job ? <span className="muted"> · {job.serverName}</span> : null}
        {broken > 0 ? <span className="muted"> · broken users keep their old password and codes</span> : null}
      </div>
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
      <SaveStatus
        jobId={jobId}
        save={save}
        idle={ok === 0 ? 'Nothing to save: every code is broken.' : `Save writes ${describeSaveOptions(saveOptions)}.`}
      />
      {saved ? <p className="note">The console no longer keeps these codes: generate again to issue new ones.</p> : null}
      <DialogButtons>
        {broken > 0 ? (
          <Button className="button" onPress={generateAgain} isDisabled={saving || saved || !job}>
            Generate again ({broken.toLocaleString('en-US')} broken)
          </Button>
        ) : null}
        <span className="spacer" />
        <Button className="button" onPress={() => st().closeDialog()} isDisabled={saving}>
          Close
        </Button>
        <div className="split-button" role="group" aria-label="Save">
          <Button className="button primary split-main" onPress={() => void st().saveJob(jobId)} isDisabled={saving || saved || ok === 0 || !job} autoFocus>
            Save
          </Button>
          {/* Its name must not contain "Save": the one-click path is the button named Save. */}
          <Button
            className="button primary split-more"
            aria-label="Choose file type and layout…"
            onPress={() => st().openDialog({ kind: 'saveOptions', jobId })}
            isDisabled={saving || saved || ok === 0 || !job}
          >
            <ChevronDownIcon />
          </Button>
        </div>
      </DialogButtons>
    </ModalFrame>
  );
}
