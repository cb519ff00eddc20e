import { once } from 'node:events';
import { GatepassError } from '../../../shared/errors';
import { CSV_BOM, csvLine } from '../../../shared/csv-write';
import type { ChannelOutput, EventPayload } from '../../../shared/ipc/contract';
import { writeFileAtomic } from '../files/atomic-write';
import type { SaveTarget } from './save-job';

/** One CSV record's fields. */
export type CsvRecord = readonly (string | number | boolean | null)[];

/** A page of records as the server gave it, with how many match in all (for progress). */
export interface CsvPage {
  records: readonly CsvRecord[];
  total: number;
}

/** One export: its id (progress, cancel), the file name offered, the header and where the rows come from. */
export interface CsvExportRequest {
  exportId: string;
  fileName: string;
  header: readonly string[];
  /** The pages in order; it should stop when the signal aborts. */
  pages: (signal: AbortSignal) => AsyncIterable<CsvPage>;
}

/** Running CSV exports (the user list, the audit log), each cancellable. */
export interface CsvExports {
  run(request: CsvExportRequest): Promise<ChannelOutput<'export:usersCsv'>>;
  cancel(exportId: string): void;
  cancelAll(): void;
}

/**
 * Writes lists as CSV files: asks the host where (a save dialog in Electron, a one-time
 * download in the browser host), then streams page after page into one atomic, owner-only
 * file (UTF-8 with a byte-order mark, RFC 4180, formulas defused), with progress events
 * at most ten a second. A cancel or a failed page leaves no file.
 */
export function createCsvExports(opts: {
  saveTarget: (suggestedName: string, kind: 'csv') => Promise<SaveTarget>;
  onProgress: (progress: EventPayload<'export:csvProgress'>) => void;
}): CsvExports {
  const running = new Map<string, AbortController>();

  async function run({ exportId, fileName, header, pages }: CsvExportRequest): Promise<ChannelOutput<'export:usersCsv'>> {
    if (running.has(exportId)) throw new GatepassError('VALIDATION_FAILED', 'This export is already running');
    const ac = new AbortController();
    running.set(exportId, ac);
    try {
      const target = await opts.saveTarget(fileName, 'csv');
      if (target.kind === 'cancelled' || ac.signal.aborted) return { result: { kind: 'cancelled' }, rows: 0 };
      const outPath = target.kind === 'path' ? target.path : await target.via.reserve('csv');
      let rows = 0;
      let last = 0;
      let written;
      try {
        written = await writeFileAtomic(
          outPath,
          async (out) => {
            const write = async (chunk: string) => {
              if (!out.write(chunk)) await once(out, 'drain');
            };
            await write(CSV_BOM + csvLine(header));
            for await (const page of pages(ac.signal)) {
              if (ac.signal.aborted) throw new GatepassError('CANCELLED', 'Export cancelled');
              await write(page.records.map((r) => csvLine(r)).join(''));
              rows += page.records.length;
              const t = Date.now();
              if (t - last >= 100) {
                last = t;
                opts.onProgress({ exportId, done: rows, total: Math.max(page.total, rows) });
              }
            }
            opts.onProgress({ exportId, done: rows, total: rows });
            out.end();
          },
          { signal: ac.signal },
        );
      } catch (err) {
        if (ac.signal.aborted && err instanceof GatepassError && err.code === 'CANCELLED') return { result: { kind: 'cancelled' }, rows: 0 };
        throw err;
      }
      if (target.kind === 'path') return { result: { kind: 'saved', path: written.path, bytes: written.bytes }, rows };
      const url = target.via.offer({ path: written.path, fileName, bytes: written.bytes, contentType: 'text/csv; charset=utf-8' });
      return { result: { kind: 'download', url, fileName, bytes: written.bytes }, rows };
    } finally {
      running.delete(exportId);
    }
  }

  return {
    run,
    cancel(exportId) {
      running.get(exportId)?.abort();
    },
    cancelAll() {
      for (const ac of running.values()) ac.abort();
    },
  };
}

/** Pages a list from the server `pageSize` rows at a time until a short page says it has ended. */
export async function* pagedRecords<T>(
  fetchPage: (offset: number, limit: number) => Promise<{ total: number; items: readonly T[] }>,
  toRecord: (item: T) => CsvRecord,
  signal: AbortSignal,
  pageSize = 500,
): AsyncGenerator<CsvPage> {
  for (let offset = 0; ; offset += pageSize) {
    if (signal.aborted) throw new GatepassError('CANCELLED', 'Export cancelled');
    const page = await fetchPage(offset, pageSize);
    yield { records: page.items.map(toRecord), total: page.total };
    if (page.items.length < pageSize) return;
  }
}
