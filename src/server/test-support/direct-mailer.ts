import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { OtpMailDraft, OtpMailer } from '../modules/email-otp/mail';

/**
 * STOPGAP until the mail outbox (issue 10) is on main: an OtpMailer that sends each queued
 * message over SMTP to `port` on loopback when woken (after the commit). It is not the outbox:
 * nothing is stored, a rolled-back request would still send. The tests read mail from a real
 * SMTP server either way, so they stay as they are when the outbox replaces this.
 */
export function directSmtpMailer(port: () => number): OtpMailer & { close(): void } {
  let transport: Transporter | null = null;
  let queued: OtpMailDraft[] = [];
  return {
    async queue(_trx, draft) {
      queued.push(draft);
      return { messageId: `<${randomUUID()}@gatepass.test>` };
    },
    wake() {
      const batch = queued;
      queued = [];
      transport ??= nodemailer.createTransport({ host: '127.0.0.1', port: port(), secure: false, ignoreTLS: true, pool: true, maxConnections: 5 });
      for (const d of batch) {
        void transport
          .sendMail({ from: 'gatepass@gatepass.test', to: { name: d.toName, address: d.to }, subject: d.content.subject, text: d.content.text, html: d.content.html })
          .catch(() => undefined);
      }
    },
    close() {
      transport?.close();
    },
  };
}
