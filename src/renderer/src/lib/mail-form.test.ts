import { describe, expect, it } from 'vitest';
import { MailSettingsInputSchema, type MailSettingsView } from '../../../shared/model/mail';
import { canKeepPassword, effectivePasswordChoice, mailDraftChanged, mailInput, mailProblems, parsePort, toMailDraft, withSecurity } from './mail-form';

const smtpSaved: MailSettingsView = {
  transport: 'smtp',
  from: 'Gatepass <gatepass@example.org>',
  smtp: { host: 'smtp.example.org', port: 587, security: 'starttls', user: 'gatepass', passwordSet: true },
  folder: null,
  updatedAt: '2026-03-01T10:00:00.000Z',
  updatedBy: 'admin',
};
const nothing: MailSettingsView = { transport: 'none', from: null, smtp: null, folder: '/var/mail/gp', updatedAt: null, updatedBy: null };

describe('the Mail settings form', () => {
  it('starts from what the server holds, unchanged, keeping the stored password it never saw', () => {
    const d = toMailDraft(smtpSaved);
    expect(d).toMatchObject({ transport: 'smtp', host: 'smtp.example.org', port: '587', security: 'starttls', user: 'gatepass', passwordChoice: 'keep', password: '' });
    expect(mailDraftChanged(d, smtpSaved)).toBe(false);
    expect(mailProblems(d, smtpSaved)).toEqual({});
    // Keeping it: the password is left out of the request, so the server keeps the stored one.
    expect(mailInput(d, smtpSaved).smtp).not.toHaveProperty('password');
  });

  it('asks for the password again when the host or user changes, or the connection drops to no encryption', () => {
    const d = toMailDraft(smtpSaved);
    for (const changed of [{ ...d, host: 'smtp.other.example' }, { ...d, user: 'someone' }, withSecurity(d, 'none')]) {
      expect(canKeepPassword(changed, smtpSaved)).toBe(false);
      expect(effectivePasswordChoice(changed, smtpSaved)).toBe('new');
      expect(mailProblems(changed, smtpSaved).password).toContain('Enter the password again');
    }
    // The host in other letters is the same host; implicit TLS is no weaker than STARTTLS.
    expect(canKeepPassword({ ...d, host: 'SMTP.Example.org' }, smtpSaved)).toBe(true);
    expect(canKeepPassword(withSecurity(d, 'tls'), smtpSaved)).toBe(true);
  });

  it('sends a new password, or none with the user cleared; a user without a password is refused before the server is asked', () => {
    const d = toMailDraft(smtpSaved);
    expect(mailInput({ ...d, passwordChoice: 'new', password: 's3cret' }, smtpSaved).smtp).toMatchObject({ password: 's3cret' });
    const cleared = { ...d, user: '', passwordChoice: 'none' as const };
    expect(mailDraftChanged(cleared, smtpSaved)).toBe(true);
    expect(mailInput(cleared, smtpSaved).smtp).toMatchObject({ user: '', password: null });
    expect(mailProblems({ ...d, passwordChoice: 'none' }, smtpSaved).password).toContain('clear the user');
    expect(mailProblems({ ...d, passwordChoice: 'new', password: '' }, smtpSaved).password).toBe('Enter the password of this user');
  });

  it('moves the port with the encryption unless the administrator chose one', () => {
    const d = toMailDraft(smtpSaved);
    expect(withSecurity(d, 'tls').port).toBe('465');
    expect(withSecurity(d, 'none').port).toBe('25');
    expect(withSecurity({ ...d, port: '2525' }, 'tls').port).toBe('2525');
    expect(parsePort('0')).toBeNull();
    expect(parsePort('65536')).toBeNull();
    expect(parsePort(' 587 ')).toBe(587);
    expect(mailProblems({ ...d, port: 'abc' }, smtpSaved).port).toBe('A port from 1 to 65535');
  });

  it('says what is missing for SMTP: From, host; and refuses a From that is not an address', () => {
    const d = { ...toMailDraft(nothing), transport: 'smtp' as const };
    expect(mailProblems(d, nothing)).toMatchObject({ from: expect.stringContaining('From address'), host: expect.stringContaining('SMTP server') });
    expect(mailProblems({ ...toMailDraft(nothing), from: 'not an address' }, nothing).from).toContain('gatepass@example.org');
    expect(mailProblems({ ...d, from: 'gp@example.org', host: 'smtp example' }, nothing).host).toContain('host name');
  });

  it('for the folder or no transport, sends no SMTP part and ignores SMTP edits', () => {
    const d = toMailDraft({ ...nothing, transport: 'folder' });
    const edited = { ...d, host: 'typed.but.unused' };
    expect(mailDraftChanged(edited, { ...nothing, transport: 'folder' })).toBe(false);
    const input = mailInput({ ...d, from: ' Help <help@example.org> ' }, nothing);
    expect(input).toEqual({ transport: 'folder', from: 'Help <help@example.org>' });
    // Every request the form makes is one the route's schema takes.
    expect(MailSettingsInputSchema.safeParse(input).success).toBe(true);
    expect(MailSettingsInputSchema.safeParse(mailInput({ ...toMailDraft(smtpSaved), passwordChoice: 'new', password: 'x' }, smtpSaved)).success).toBe(true);
  });
});
