import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../store/store';
import { DialogButtons, ModalFrame } from './modal-frame';
import { QrCard } from './qr-card';

/** Card cell size in pixels (card plus gap); fixed so thousands of cards need no measuring. */
const CELL_W = 176;
const CELL_H = 232;

/** How many cards fit across a container of `width` pixels (at least one). */
export function columnsFor(width: number, cellWidth = CELL_W): number {
  return Math.max(1, Math.floor(width / cellWidth));
}

/** The Generated QR codes popup: every result of the job as a card, virtualised by rows of cards. */
export function GeneratedDialog({ jobId }: { jobId: string }) {
  const { job, save } = useAppStore(useShallow((s) => ({ job: s.jobs[jobId], save: s.saves[jobId] })));
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
  const broken = codes.length - ok;
  const saving = save?.state === 'saving';

  return (
    <ModalFrame title="Generated QR codes" className="large">
      <div className="generated-summary" role="status">
        <strong>{ok.toLocaleString('en-US')} generated</strong>
        {broken > 0 ? <span className="error-text">, {broken.toLocaleString('en-US')} broken</span> : <span>, 0 broken</span>}
        {job ? <span className="muted"> · {job.serverName}</span> : null}
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
      <div className="save-line" aria-live="polite">
        {save?.state === 'saving' ? (
          <>
            Saving PDF… {save.total > 0 ? `${save.done} of ${save.total}` : ''}
            <progress max={save.total || 1} value={save.done} aria-label="Saving PDF" />
          </>
        ) : save?.state === 'done' ? (
          save.result.kind === 'saved' ? (
            <span className="ok-text">Saved to {save.result.path}</span>
          ) : save.result.kind === 'download' ? (
            <span className="ok-text">Downloaded {save.result.fileName}</span>
          ) : (
            <span className="muted">Save cancelled</span>
          )
        ) : save?.state === 'error' ? (
          <span className="error-text" role="alert">{save.message}</span>
        ) : ok === 0 ? (
          <span className="muted">Nothing to save: every code is broken.</span>
        ) : null}
      </div>
      <DialogButtons>
        <Button className="button" onPress={() => useAppStore.getState().closeDialog()} isDisabled={saving}>
          Close
        </Button>
        <Button className="button primary" onPress={() => void useAppStore.getState().saveJob(jobId)} isDisabled={saving || ok === 0 || !job}>
          Save
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}
