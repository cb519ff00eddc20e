import { useState, type ChangeEvent } from 'react';
import { Button } from 'react-aria-components';
import { CsvError, parseUserImport, type ImportRow, type ImportRowError } from '../../../shared/csv';
import { errorMessage, formatCount } from '../lib/format';
import { useAppStore } from '../store/store';
import type { ImportResult } from '../store/types';
import { triggerDownload } from '../transport/http-transport';
import { DialogButtons, DialogError, ModalFrame } from './modal-frame';

/** users:import takes at most 20 MiB of CSV text. */
const MAX_CSV_BYTES = 20 * 1024 * 1024;
/** Rows shown in the preview; the count says how many more there are. */
const PREVIEW_ROWS = 100;

interface Preview {
  readonly fileName: string;
  readonly csv: string;
  readonly rows: readonly ImportRow[];
  readonly errors: readonly ImportRowError[];
}

/** Saves text as a file through a Blob URL: no round trip to the host, nothing the CSP has to allow. */
export function downloadText(text: string, fileName: string, type = 'text/csv'): void {
  // The BOM makes spreadsheet programs read the report as UTF-8.
  const url = URL.createObjectURL(new Blob(['\ufeff', text], { type: `${type};charset=utf-8` }));
  triggerDownload(url, fileName);
  // The click has started the download; revoke later so slow browsers still read it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Import users: pick a CSV, preview what will be created and what is wrong, import, and keep the report. */
export function ImportDialog() {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    setError(null);
    setPreview(null);
    setResult(null);
    if (!file) return;
    if (file.size > MAX_CSV_BYTES) {
      setError(`${file.name} is over 20 MB: split it into smaller files`);
      return;
    }
    try {
      const csv = await file.text();
      const parsed = parseUserImport(csv);
      setPreview({ fileName: file.name, csv, rows: parsed.rows, errors: parsed.errors });
    } catch (err) {
      // An unterminated quote makes the whole file unreadable, not one row.
      setError(err instanceof CsvError ? `${file.name} cannot be read: ${err.message}` : errorMessage(err));
    }
  }

  async function onImport() {
    if (!preview || preview.rows.length === 0 || result) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await useAppStore.getState().importUsers(preview.csv));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const close = () => useAppStore.getState().closeDialog();

  return (
    <ModalFrame title="Import users" onSubmit={() => void onImport()} busy={busy} className="wide" step={result ? 'result' : preview ? 'preview' : 'pick'}>
      {!result ? (
        <>
          <div className="field">
            <label htmlFor="import-file">CSV file</label>
            <input id="import-file" type="file" accept=".csv,text/csv" onChange={(e) => void onFile(e)} autoFocus disabled={busy} />
            <span className="hint">
              Columns: login, display name, email, source (a header row may name them in any order). Source is internal or directory (also AD or LDAP);
              left empty or out, a user is internal.
            </span>
          </div>
          {preview ? (
            <>
              <p role="status">
                <strong>{formatCount(preview.rows.length, 'user')}</strong> to create from {preview.fileName}
                {preview.errors.length > 0 ? <span className="error-text">, {formatCount(preview.errors.length, 'row')} with errors (skipped)</span> : null}.
              </p>
              <div className="import-table" role="table" aria-label="Users to import">
                <div role="row" className="import-row header">
                  <span role="columnheader">Line</span>
                  <span role="columnheader">Login</span>
                  <span role="columnheader">Display name</span>
                  <span role="columnheader">Email</span>
                  <span role="columnheader">Source</span>
                </div>
                {preview.rows.slice(0, PREVIEW_ROWS).map((r) => (
                  <div role="row" key={r.line} className="import-row">
                    <span role="cell" className="cell num">{r.line}</span>
                    <span role="cell" className="cell" title={r.login}>{r.login}</span>
                    <span role="cell" className="cell" title={r.displayName}>{r.displayName}</span>
                    <span role="cell" className="cell" title={r.email}>{r.email}</span>
                    <span role="cell" className="cell">{r.source ?? 'internal'}</span>
                  </div>
                ))}
                {preview.rows.length > PREVIEW_ROWS ? <div className="preview-more muted">and {formatCount(preview.rows.length - PREVIEW_ROWS, 'more')}</div> : null}
              </div>
              {preview.errors.length > 0 ? (
                <ul className="row-errors" aria-label="Rows with errors">
                  {preview.errors.map((x) => (
                    <li key={`${x.line}-${x.code}`}>{x.message}</li>
                  ))}
                </ul>
              ) : null}
            </>
          ) : null}
        </>
      ) : (
        <>
          <p role="status">
            <strong className="ok-text">Created {formatCount(result.created, 'user')}</strong>
            {result.failed.length > 0 ? <span className="error-text">; {formatCount(result.failed.length, 'row')} not created</span> : null}.
          </p>
          {result.failed.length > 0 ? (
            <ul className="row-errors" aria-label="Rows not created">
              {result.failed.map((f) => (
                <li key={`${f.line}-${f.code}`}>
                  Line {f.line}
                  {f.login ? ` (${f.login})` : ''}: {f.message.replace(/^Line \d+:\s*/, '')} <span className="muted">[{f.code}]</span>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      )}
      <DialogError message={error} />
      <DialogButtons>
        {result ? (
          <Button className="button" onPress={() => downloadText(result.report, 'gatepass-import-report.csv')}>
            Save report
          </Button>
        ) : null}
        <span className="spacer" />
        <Button className="button" onPress={close} isDisabled={busy} {...(result ? { 'data-autofocus': true } : {})}>
          {result ? 'Close' : 'Cancel'}
        </Button>
        {!result ? (
          <Button className="button primary" type="submit" isDisabled={busy || !preview || preview.rows.length === 0} {...(preview ? { 'data-autofocus': true } : {})}>
            {busy ? 'Importing…' : 'Import'}
          </Button>
        ) : null}
      </DialogButtons>
    </ModalFrame>
  );
}
