import { parentPort } from 'node:worker_threads';
import { CardRenderer } from './card-layout';
import type { WorkerReply, WorkerRequest } from './render-pool';

/**
 * Export worker thread: renders page content (QR encoding, layout, deflate) or whole
 * per-user PDFs for the batches the main thread sends, and hands the bytes back as
 * transferred buffers. The main thread keeps order and does all the writing.
 */
let renderer: CardRenderer | null = null;

parentPort?.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    if (msg.type === 'init') {
      renderer = new CardRenderer(msg.cfg);
      return;
    }
    if (!renderer) throw new Error('export worker used before init');
    if (msg.type === 'pages') {
      const r = renderer;
      const chunks = msg.pages.map((p) => r.pageChunk(p.pageIndex, p.cards, p.firstCard));
      for (const ch of chunks) transfer.push(ch.bytes.buffer as ArrayBuffer);
      reply = { id: msg.id, ok: true, chunks };
    } else {
      const r = renderer;
      const docs = msg.cards.map((card, i) => r.document(card, msg.start + i));
      for (const d of docs) transfer.push(d.buffer as ArrayBuffer);
      reply = { id: msg.id, ok: true, docs };
    }
  } catch (err) {
    reply = { id: 'id' in msg ? msg.id : 0, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply, transfer);
});
