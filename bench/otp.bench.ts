/**
 * One-time passwords by email, each figure beside a baseline from the same run:
 *
 * 1. Request to mail accepted. COMPUTERS registered computers ask for a password at once
 *    (POST /api/v1/agent/otp, one user each); each request is timed from its start until a
 *    loopback SMTP server (smtp-server) accepted the message carrying it: the request queues it
 *    in the outbox in its transaction, the server's own sender claims and sends it (production
 *    timings, pooled SMTP). Target: p95 <= 500 ms.
 *    Baselines: COMPUTERS bare `GET /api/v1/info` round trips at once, and COMPUTERS bare
 *    nodemailer sends at once to the same SMTP server (a pooled transport, as a server's).
 * 2. Sign-in (POST /api/v1/agent/signin with the mailed password): one at a time, as users
 *    sign in, target p95 <= 20 ms, beside a bare `GET /api/v1/info`; and, for information,
 *    COMPUTERS at once.
 *
 * ROUNDS rounds, the server's clock moved an hour between them (a computer gets a new password
 * once an hour). SQLite file by default; BENCH_DB=postgres runs on a private PostgreSQL cluster.
 * Last line: a JSON summary. Exit 1 when a target is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { startPgCluster } from '../scripts/pg-cluster.mjs';
import { decodeAgentFile } from '../src/shared/agent-file';
import { startServer } from '../src/server/index';
import { call, okBody } from '../src/server/test-support/client';

const COMPUTERS = Number(process.env.BENCH_COMPUTERS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const MAIL_TARGET_MS = 500;
const SIGNIN_TARGET_MS = 20;
const HOUR = 60 * 60 * 1000;

interface Stats {
  p50: number;
  p95: number;
  max: number;
  n: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1]!, n: s.length };
}

const fmt = (x: Stats) => `p50 ${x.p50.toFixed(1).padStart(6)} ms  p95 ${x.p95.toFixed(1).padStart(6)} ms  max ${x.max.toFixed(1).padStart(6)} ms  (n=${x.n})`;

/** A loopback SMTP server that calls back with the time each message was accepted, by recipient. */
async function startSink(onMail: (to: string, body: string, at: number) => void) {
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    onData(stream, session, cb) {
      // Read before the reply: the session's envelope is reset once the message is answered.
      const rcpt = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        cb();
        // Accepted: the 250 goes out now.
        const at = performance.now();
        for (const to of rcpt) onMail(to, Buffer.concat(chunks).toString('utf8'), at);
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const address = server.server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, close: () => new Promise<void>((done) => server.close(() => done())) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gatepass-bench-otp-'));
  const waiting = new Map<string, (at: number, body: string) => void>();
  const sink = await startSink((to, body, at) => {
    const w = waiting.get(to);
    if (w) {
      waiting.delete(to);
      w(at, body);
    }
  });
  const mailAt = (to: string) => new Promise<{ at: number; code: string }>((ok) => waiting.set(to, (at, body) => ok({ at, code: /\b(\d{4}) (\d{4})\b/.exec(body)!.slice(1).join('') })));
  const cluster = process.env.BENCH_DB === 'postgres' ? await startPgCluster() : null;
  let now = Date.now();
  const db = cluster ? await cluster.createDatabase('gatepass_bench_otp') : join(dir, 'otp.db');
  const server = await startServer(
    {
      db,
      port: 0,
      adminPassword: 'Bench-Harbour-2048!',
      logger: () => {},
      // The outbox and this process's sender, with production timings, to the loopback SMTP server.
      mail: { smtpUrl: `smtp://127.0.0.1:${sink.port}?security=none`, from: 'Gatepass <gatepass@gp.example.org>' },
      ...(cluster ? { secretKey: 'dGVzdC1zZWNyZXQta2V5LWZvci10aGUtc3VpdGUtMzI=' } : {}),
    },
    { now: () => new Date(now) },
  );
  try {
    const admin = await server.issueAdminToken();
    const computers: Array<{ credential: string; email: string }> = [];
    for (let i = 0; i < COMPUTERS; i++) {
      const email = `bench${i}@corp.example`;
      okBody(await call(server.url, 'createUser', { body: { login: `bench${i}`, email } }, admin));
      const r = okBody(await call(server.url, 'registerComputer', { body: { name: `BENCH-${i}`, serverUrl: server.url } }, admin));
      computers.push({ credential: decodeAgentFile(r.agentFile).credential, email });
    }
    const info = async () => {
      const t = performance.now();
      okBody(await call(server.url, 'serverInfo'));
      return performance.now() - t;
    };
    // Warm-up, not counted: every path once.
    await info();
    const bare = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 });

    const infoAtOnce: number[] = [];
    const bareSend: number[] = [];
    const requestToMail: number[] = [];
    const requestAnswer: number[] = [];
    const signinOneByOne: number[] = [];
    const infoOneByOne: number[] = [];
    const signinAtOnce: number[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const counted = round > 0;
      now += HOUR;
      infoAtOnce.push(...(await Promise.all(computers.map(() => info()))).filter(() => counted));
      const sends = await Promise.all(
        computers.map(async (_c, i) => {
          const to = `bare${i}@corp.example`;
          const arrived = mailAt(to);
          const t = performance.now();
          await bare.sendMail({ from: 'bench@corp.example', to, subject: 'Bare send', text: 'Your one-time password: 0000 0000' });
          return (await arrived).at - t;
        }),
      );
      if (counted) bareSend.push(...sends);
      // COMPUTERS requests at once, each until its mail was accepted.
      const codes = await Promise.all(
        computers.map(async (c) => {
          const arrived = mailAt(c.email);
          const t = performance.now();
          okBody(await call(server.url, 'requestOtp', { body: { mode: 'email', email: c.email } }, c.credential));
          const answered = performance.now() - t;
          const mail = await arrived;
          if (counted) {
            requestToMail.push(mail.at - t);
            requestAnswer.push(answered);
          }
          return mail.code;
        }),
      );
      // Half of them sign in one at a time (a bare round trip between), the other half at once.
      const half = Math.floor(COMPUTERS / 2);
      for (let i = 0; i < half; i++) {
        const c = computers[i]!;
        const bareInfo = await info();
        const t = performance.now();
        const r = await call(server.url, 'agentSignin', { body: { email: c.email, otp: codes[i]! } }, c.credential);
        const ms = performance.now() - t;
        if (!r.ok) throw new Error(`sign-in refused: ${r.error.code}`);
        if (counted) {
          signinOneByOne.push(ms);
          infoOneByOne.push(bareInfo);
        }
      }
      const together = await Promise.all(
        computers.slice(half).map(async (c, j) => {
          const t = performance.now();
          const r = await call(server.url, 'agentSignin', { body: { email: c.email, otp: codes[half + j]! } }, c.credential);
          if (!r.ok) throw new Error(`sign-in refused: ${r.error.code}`);
          return performance.now() - t;
        }),
      );
      if (counted) signinAtOnce.push(...together);
    }
    bare.close();

    const s = {
      infoAtOnce: stats(infoAtOnce),
      bareSend: stats(bareSend),
      requestToMail: stats(requestToMail),
      requestAnswer: stats(requestAnswer),
      infoOneByOne: stats(infoOneByOne),
      signinOneByOne: stats(signinOneByOne),
      signinAtOnce: stats(signinAtOnce),
    };
    const mailPass = s.requestToMail.p95 <= MAIL_TARGET_MS;
    const signinPass = s.signinOneByOne.p95 <= SIGNIN_TARGET_MS;
    const engine = cluster ? 'PostgreSQL' : 'SQLite';
    const via = "the outbox (queued in the request's transaction) and the server's sender, pooled SMTP";
    console.log(`One-time passwords by email: ${COMPUTERS} computers x ${ROUNDS} rounds on ${engine}; mail ${via}`);
    const row = (label: string, x: Stats, verdict = '') => console.log(`  ${label.padEnd(48)} ${fmt(x)}${verdict}`);
    row(`baseline: GET /api/v1/info, ${COMPUTERS} at once`, s.infoAtOnce);
    row(`baseline: bare nodemailer send, ${COMPUTERS} at once`, s.bareSend);
    row(`request to mail accepted, ${COMPUTERS} at once`, s.requestToMail, `  target p95 <= ${MAIL_TARGET_MS} ms: ${mailPass ? 'PASS' : 'FAIL'}`);
    row(`  of which the request's answer (information)`, s.requestAnswer);
    row('baseline: GET /api/v1/info, one at a time', s.infoOneByOne);
    row('sign-in, one at a time', s.signinOneByOne, `  target p95 <= ${SIGNIN_TARGET_MS} ms: ${signinPass ? 'PASS' : 'FAIL'}`);
    row(`sign-in, ${COMPUTERS - Math.floor(COMPUTERS / 2)} at once (information)`, s.signinAtOnce);
    const pass = mailPass && signinPass;
    console.log(
      JSON.stringify({
        bench: 'otp',
        engine,
        computers: COMPUTERS,
        rounds: ROUNDS,
        mail: via,
        baseline: { infoAtOnceP95Ms: s.infoAtOnce.p95, bareSendP95Ms: s.bareSend.p95, infoP95Ms: s.infoOneByOne.p95 },
        requestToMail: { p50Ms: s.requestToMail.p50, p95Ms: s.requestToMail.p95, maxMs: s.requestToMail.max, targetMs: MAIL_TARGET_MS, pass: mailPass },
        requestAnswer: { p50Ms: s.requestAnswer.p50, p95Ms: s.requestAnswer.p95 },
        signin: { p50Ms: s.signinOneByOne.p50, p95Ms: s.signinOneByOne.p95, maxMs: s.signinOneByOne.max, targetMs: SIGNIN_TARGET_MS, pass: signinPass },
        signinAtOnce: { p50Ms: s.signinAtOnce.p50, p95Ms: s.signinAtOnce.p95 },
        pass,
      }),
    );
    process.exitCode = pass ? 0 : 1;
  } finally {
    await server.close();
    await sink.close();
    if (cluster) await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
