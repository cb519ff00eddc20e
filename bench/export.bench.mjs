// Export benchmark (issue 4, point 8: rendering, no server): our engine against the naive
// pipeline, in one run.
//
//   npm run bench:export
//   BENCH_LARGE=0 npm run bench:export     # skip the 100,000-user PDF
//   BENCH_NAIVE=200 npm run bench:export   # users in the naive sample
//
// Every variant runs in its own child process, so each peak RSS is its own. Peak RSS is the
// larger of process.memoryUsage.rss() sampled every 20 ms and getrusage's maxRSS; worker
// threads share the process, so their memory is included. The cards (with their payloads)
// are built before the clock starts but are in the RSS figures.
//   naive:   qrcode toDataURL (PNG) + one pdfmake document per user + jszip (deflate) in
//            memory, on a sample; its time per user is extrapolated to 10,000 users.
//   pdf10k:  writeCardsPdf, 10,000 users to one PDF file.
//   zip10k:  saveBundle (the console's save), 10,000 per-user PDFs + 10,000 .usr files in one
//            ZIP file (fflate, stored), streamed with backpressure and written atomically.
//   pdf100k: writeCardsPdf, 100,000 users to one PDF file.
// The last line printed is a one-line JSON summary.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const NAIVE_USERS = Number(process.env.BENCH_NAIVE ?? 200);
const LARGE = process.env.BENCH_LARGE !== '0';
const EC = 'Q';
const TARGETS = { pdf10kMs: 5000, zip10kMs: 6000, zip10kRssMb: 300, pdf100kRssMb: 400, speedup: 20 };

/** The same users for every variant: realistic logins, names in several scripts, server-shaped credentials. */
function makeCards(n, encode) {
  const names = ['Anna Berg', 'Бора Иванова', 'Ελένη Παππά', 'Carla Díaz', 'Bo Chen'];
  const issuedAt = '2025-11-24T08:41:00.000Z';
  const server = 'https://gp.example.com:8443';
  return Array.from({ length: n }, (_, i) => {
    const login = `user${String(i).padStart(6, '0')}`;
    const credential = `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    return {
      login,
      displayName: `${names[i % names.length]} ${i}`,
      serverName: 'Bench server',
      serverUrl: server,
      status: 'ok',
      payload: encode({ server, login, credential, issuedAt, expiresAt: null }),
      issuedAt,
      expiresAt: null,
    };
  });
}

async function loadTs(rel) {
  return import(pathToFileURL(path.join(root, rel)).href);
}

function rssSampler() {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  return () => {
    clearInterval(t);
    // maxRSS is in kilobytes (getrusage); it also catches peaks between samples.
    return Math.max(peak, process.resourceUsage().maxRSS * 1024) / 1e6;
  };
}

async function onePdf(dir, users) {
  const { encodeSigninPayload } = await loadTs('src/shared/qr-payload.ts');
  const { writeCardsPdf } = await loadTs('src/main/services/export/pdf/cards.ts');
  const cards = makeCards(users, encodeSigninPayload);
  const file = path.join(dir, 'cards.pdf');
  const stop = rssSampler();
  const t0 = performance.now();
  const out = createWriteStream(file, { mode: 0o600 });
  await writeCardsPdf(cards, out, { ecLevel: EC });
  await finished(out);
  const ms = performance.now() - t0;
  return { users, ms, peakRssMb: stop(), bytes: statSync(file).size };
}

async function zipOfPdfs(dir, users) {
  const { encodeSigninPayload } = await loadTs('src/shared/qr-payload.ts');
  const { saveBundle } = await loadTs('src/main/services/export/save.ts');
  const cards = makeCards(users, encodeSigninPayload);
  const file = path.join(dir, 'cards.zip');
  const stop = rssSampler();
  const t0 = performance.now();
  // The console's own save path: per-user PDFs from the worker pool, a .usr per user, safe
  // distinct names, fflate's streaming ZIP (stored), written atomically with owner-only mode.
  await saveBundle(cards, file, { format: 'zip', includeConfig: true, pageSize: 'A4', layout: 'single', baseName: 'cards', tlsPin: null });
  const ms = performance.now() - t0;
  const bytes = statSync(file).size;
  return { users, ms, peakRssMb: stop(), bytes, bytesPerUser: Math.round(bytes / users) };
}

async function naive(dir, users) {
  const { encodeSigninPayload } = await loadTs('src/shared/qr-payload.ts');
  const QRCode = (await import('qrcode')).default;
  const pdfmake = (await import('pdfmake')).default;
  const JSZip = (await import('jszip')).default;
  const fontDir = path.join(root, 'assets', 'fonts');
  pdfmake.addFonts({ Roboto: { normal: path.join(fontDir, 'Roboto-Regular.ttf'), bold: path.join(fontDir, 'Roboto-Medium.ttf') } });
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((p) => path.resolve(p).startsWith(fontDir));
  const cards = makeCards(users, encodeSigninPayload);
  const file = path.join(dir, 'cards.zip');
  const stop = rssSampler();
  const t0 = performance.now();
  const zip = new JSZip();
  for (const c of cards) {
    const png = await QRCode.toDataURL(c.payload, { errorCorrectionLevel: EC, margin: 4, scale: 8 });
    const doc = pdfmake.createPdf({
      pageSize: 'LETTER',
      pageMargins: [54, 54, 54, 54],
      content: [
        { text: c.serverName, fontSize: 10 },
        { text: c.login, fontSize: 30, bold: true },
        { text: c.displayName, fontSize: 15 },
        { image: png, width: 216, alignment: 'center', margin: [0, 16] },
        { text: `Server: ${c.serverName}\nAddress: ${c.serverUrl}\nIssued: ${c.issuedAt}`, fontSize: 11 },
        { text: 'Scan with the Gatepass app to sign in. Keep this card private: it works like a password.', bold: true, margin: [0, 12] },
      ],
    });
    zip.file(`${c.login}.pdf`, await doc.getBuffer());
  }
  writeFileSync(file, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }), { mode: 0o600 });
  const ms = performance.now() - t0;
  return { users, ms, peakRssMb: stop(), bytes: statSync(file).size };
}

async function child(variant) {
  const { register } = await import('tsx/esm/api');
  register();
  const dir = mkdtempSync(path.join(os.tmpdir(), `gp-bench-${variant}-`));
  try {
    let r;
    if (variant === 'naive') r = await naive(dir, NAIVE_USERS);
    else if (variant === 'pdf10k') r = await onePdf(dir, 10_000);
    else if (variant === 'zip10k') r = await zipOfPdfs(dir, 10_000);
    else r = await onePdf(dir, 100_000);
    process.send(r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(variant) {
  return new Promise((resolve, reject) => {
    const cp = fork(fileURLToPath(import.meta.url), [variant], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result = null;
    cp.on('message', (m) => (result = m));
    cp.on('error', reject);
    cp.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`${variant} run failed (exit ${code})`))));
  });
}

const mark = (ok) => (ok ? 'PASS' : 'FAIL');
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  console.log(`Export benchmark (rendering only), EC ${EC}, ${os.cpus().length} CPUs, Node ${process.version}`);
  const nv = await runChild('naive');
  const naivePerUser = nv.ms / nv.users;
  console.log(`naive     ${nv.users} users: ${naivePerUser.toFixed(1)} ms/user, ${nv.peakRssMb.toFixed(0)} MB peak RSS -> ${s(naivePerUser * 10_000)} for 10,000 users (extrapolated from the sample)`);
  const pdf = await runChild('pdf10k');
  console.log(`pdf10k    10,000 users, one PDF: ${s(pdf.ms)}, ${pdf.peakRssMb.toFixed(0)} MB peak RSS, ${(pdf.bytes / 1e6).toFixed(1)} MB file   [${mark(pdf.ms <= TARGETS.pdf10kMs)} <= 5 s]`);
  const zip = await runChild('zip10k');
  console.log(
    `zip10k    10,000 users, ZIP of per-user PDFs + .usr: ${s(zip.ms)}, ${zip.peakRssMb.toFixed(0)} MB peak RSS, ${(zip.bytes / 1e6).toFixed(1)} MB file, ${(zip.bytesPerUser / 1024).toFixed(1)} KB per user (PDF + .usr)   [${mark(zip.ms <= TARGETS.zip10kMs)} <= 6 s, ${mark(zip.peakRssMb <= TARGETS.zip10kRssMb)} <= 300 MB]`,
  );
  let big = null;
  if (LARGE) {
    big = await runChild('pdf100k');
    console.log(`pdf100k   100,000 users, one PDF: ${s(big.ms)}, ${big.peakRssMb.toFixed(0)} MB peak RSS, ${(big.bytes / 1e6).toFixed(0)} MB file   [${mark(big.peakRssMb <= TARGETS.pdf100kRssMb)} <= 400 MB]`);
  } else console.log('pdf100k   skipped (BENCH_LARGE=0)');
  const speedupPdf = (naivePerUser * 10_000) / pdf.ms;
  const speedupZip = (naivePerUser * 10_000) / zip.ms;
  console.log(`speedup   vs naive (extrapolated): one PDF ${speedupPdf.toFixed(0)}x, ZIP ${speedupZip.toFixed(0)}x   [${mark(Math.min(speedupPdf, speedupZip) >= TARGETS.speedup)} >= 20x]`);
  const r = (x) => (x ? { ms: Math.round(x.ms), peakRssMb: Math.round(x.peakRssMb), bytes: x.bytes } : null);
  const pass =
    pdf.ms <= TARGETS.pdf10kMs &&
    zip.ms <= TARGETS.zip10kMs &&
    zip.peakRssMb <= TARGETS.zip10kRssMb &&
    (!big || big.peakRssMb <= TARGETS.pdf100kRssMb) &&
    Math.min(speedupPdf, speedupZip) >= TARGETS.speedup;
  console.log(
    JSON.stringify({
      naive: { users: nv.users, msPerUser: +naivePerUser.toFixed(2), extrapolated10kMs: Math.round(naivePerUser * 10_000), peakRssMb: Math.round(nv.peakRssMb) },
      pdf10k: r(pdf),
      zip10k: { ...r(zip), bytesPerUser: zip.bytesPerUser },
      pdf100k: r(big),
      speedup: { pdf: +speedupPdf.toFixed(1), zip: +speedupZip.toFixed(1) },
      pass,
    }),
  );
}

const variant = process.argv[2];
if (['naive', 'pdf10k', 'zip10k', 'pdf100k'].includes(variant)) await child(variant);
else await main();
