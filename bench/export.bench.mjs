// Export benchmark: our streaming card engine vs. the naive pipeline, same users, same run.
//
//   npm run bench:export                 # 2000 users
//   BENCH_USERS=500 npm run bench:export
//
// Each variant runs in its own child process so its peak RSS is its own. Prints a table,
// then one line of JSON (the last line) for scripts to compare runs.
//   engine:   writeCardsPdf (pdfkit, one merged vector path per QR) into writeFileAtomic, one PDF
//   baseline: qrcode toDataURL (PNG) + one pdfmake document per user + jszip (deflate), one ZIP
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const users = Number(process.env.BENCH_USERS ?? 2000);
const EC = 'Q';

/** The same users for both variants: realistic logins, names in several scripts, server-shaped credentials. */
function makeCards(n, encode) {
  const names = ['Anna Berg', 'Бора Иванова', 'Ελένη Παππά', 'Carla Díaz', 'Bo Chen'];
  const issuedAt = '2025-11-24T08:41:00.000Z';
  const server = 'https://gp.example.com:8443';
  return Array.from({ length: n }, (_, i) => {
    const login = `user${String(i).padStart(5, '0')}`;
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

async function runEngine(dir) {
  const { register } = await import('tsx/esm/api');
  register();
  const { encodeSigninPayload } = await loadTs('src/shared/qr-payload.ts');
  const { writeCardsPdf } = await loadTs('src/main/services/export/pdf-cards.ts');
  const { writeFileAtomic } = await loadTs('src/main/services/files/atomic-write.ts');
  const cards = makeCards(users, encodeSigninPayload);
  const file = path.join(dir, 'cards.pdf');
  const t0 = performance.now();
  const res = await writeFileAtomic(file, (out) => writeCardsPdf(cards, out));
  return { ms: performance.now() - t0, bytes: res.bytes };
}

async function runBaseline(dir) {
  const { register } = await import('tsx/esm/api');
  register();
  const { encodeSigninPayload } = await loadTs('src/shared/qr-payload.ts');
  const QRCode = (await import('qrcode')).default;
  const pdfmake = (await import('pdfmake')).default;
  const JSZip = (await import('jszip')).default;
  const fontDir = path.join(root, 'assets', 'fonts');
  pdfmake.addFonts({
    Roboto: { normal: path.join(fontDir, 'Roboto-Regular.ttf'), bold: path.join(fontDir, 'Roboto-Medium.ttf') },
  });
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((p) => path.resolve(p).startsWith(fontDir));
  const cards = makeCards(users, encodeSigninPayload);
  const file = path.join(dir, 'cards.zip');
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
  const buf = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  writeFileSync(file, buf, { mode: 0o600 });
  return { ms: performance.now() - t0, bytes: statSync(file).size };
}

async function child(variant) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `gp-bench-${variant}-`));
  try {
    const r = variant === 'engine' ? await runEngine(dir) : await runBaseline(dir);
    // maxRSS is in kilobytes (getrusage).
    process.send({ ...r, peakRssMb: process.resourceUsage().maxRSS / 1024 });
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

async function main() {
  if (!Number.isInteger(users) || users < 1) throw new Error('BENCH_USERS must be a positive integer');
  console.log(`Export benchmark: ${users} users, EC ${EC}, ${os.cpus().length} CPUs, Node ${process.version}`);
  const engine = await runChild('engine');
  const baseline = await runChild('baseline');
  const row = (name, r) =>
    `${name.padEnd(10)} ${(r.ms / users).toFixed(2).padStart(8)} ms/user ${(r.ms / 1000).toFixed(2).padStart(8)} s total ${r.peakRssMb.toFixed(0).padStart(6)} MB peak RSS ${(r.bytes / 1e6).toFixed(1).padStart(7)} MB out`;
  console.log(row('engine', engine));
  console.log(row('baseline', baseline));
  const speedup = baseline.ms / engine.ms;
  console.log(`speedup    ${speedup.toFixed(1)}x`);
  console.log(
    JSON.stringify({
      users,
      engine: { msPerUser: +(engine.ms / users).toFixed(3), totalMs: Math.round(engine.ms), peakRssMb: Math.round(engine.peakRssMb), bytes: engine.bytes },
      baseline: { msPerUser: +(baseline.ms / users).toFixed(3), totalMs: Math.round(baseline.ms), peakRssMb: Math.round(baseline.peakRssMb), bytes: baseline.bytes },
      speedup: +speedup.toFixed(2),
    }),
  );
}

const variant = process.argv[2];
if (variant === 'engine' || variant === 'baseline') await child(variant);
else await main();
