import { parentPort, workerData } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import { mailOptions } from './compose';
import type { FromSmtpThread, SmtpThreadInit, ToSmtpThread } from './smtp-thread';
import { replyText } from './smtp-reply';
import { smtpFailure, smtpPoolOptions } from './transports';

/**
 * The SMTP thread (smtp-thread.ts): one pooled nodemailer transport, built from the same
 * options as the in-process one. It sends what the main thread hands it and answers each
 * message with the relay's reply or the classified failure; it decides nothing else.
 */
const init = workerData as SmtpThreadInit;
const transporter = nodemailer.createTransport(smtpPoolOptions(init.smtp, init.password, { maxConnections: init.maxConnections }));

let inFlight = 0;
let closing = false;

function reply(m: FromSmtpThread): void {
  parentPort?.postMessage(m);
}

/** After a close: answer once the deliveries under way have finished (nodemailer lets each finish). */
function closedWhenDone(): void {
  if (closing && inFlight === 0) reply({ type: 'closed' });
}

// A message that cannot be read has no id to answer: end the thread, so the main thread fails
// what it had handed over as transient instead of waiting for an answer that never comes.
parentPort?.on('messageerror', () => process.exit(1));

parentPort?.on('message', (m: ToSmtpThread) => {
  if (m.type === 'close') {
    closing = true;
    transporter.close();
    closedWhenDone();
    return;
  }
  inFlight++;
  let sending: Promise<{ response?: string }>;
  try {
    sending = transporter.sendMail({ ...mailOptions(m.input), envelope: { from: m.envelope.from, to: [m.envelope.to] } });
  } catch (err) {
    sending = Promise.reject(err);
  }
  sending
    .then(
      (info) => reply({ type: 'sent', id: m.id, reply: replyText(info.response || '250 accepted') }),
      (err: unknown) => {
        const e = smtpFailure(err);
        reply({ type: 'failed', id: m.id, transient: e.transient, reply: e.reply });
      },
    )
    .finally(() => {
      inFlight--;
      closedWhenDone();
    });
});
