import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../../../shared/api/audit';
import { ACTIVE_WITHOUT_TWO_STEP, AUDIT_ACTION_LABELS, AUDIT_FAMILIES, auditFilterQuery, hasUserFilters, localDayStart, NO_AUDIT_FILTERS, NO_USER_FILTERS, userFilterQuery } from './list-filters';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('the list filters as the server is asked', () => {
  it('turns a calendar day into the instant it starts where the administrator is', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(localDayStart('2026-03-05')).toBe('2026-03-04T23:00:00.000Z');
    // Summer time: the day starts two hours before UTC's.
    expect(localDayStart('2026-07-01')).toBe('2026-06-30T22:00:00.000Z');
    expect(localDayStart('2026-12-31', 1)).toBe('2026-12-31T23:00:00.000Z');
    expect(localDayStart('')).toBeNull();
    expect(localDayStart('05/03/2026')).toBeNull();
  });

  it('asks the user list only for the filters that are set, "issued before" only with its day', () => {
    process.env.TZ = 'UTC';
    expect(userFilterQuery(NO_USER_FILTERS)).toEqual({});
    expect(hasUserFilters(NO_USER_FILTERS)).toBe(false);
    expect(userFilterQuery({ ...NO_USER_FILTERS, qr: 'never' })).toEqual({ qr: 'never' });
    const halfSet = { ...NO_USER_FILTERS, qr: 'issuedBefore' as const };
    expect(userFilterQuery(halfSet)).toEqual({});
    expect(hasUserFilters(halfSet)).toBe(false);
    expect(userFilterQuery({ ...halfSet, qrBefore: '2026-05-01' })).toEqual({ qrIssuedBefore: '2026-05-01T00:00:00.000Z' });
    // A day left in the box after switching back to "any" no longer counts.
    expect(userFilterQuery({ ...NO_USER_FILTERS, qr: 'any', qrBefore: '2026-05-01' })).toEqual({});
    expect(userFilterQuery({ ...NO_USER_FILTERS, createdSince: '2026-01-10', signedInNow: true })).toEqual({ createdSince: '2026-01-10T00:00:00.000Z', signedIn: true });
  });

  it('asks for two-step verification and the account status as the server filters them', () => {
    expect(userFilterQuery({ ...NO_USER_FILTERS, twoStep: 'enabled' })).toEqual({ totp: 'enabled' });
    expect(userFilterQuery({ ...NO_USER_FILTERS, twoStep: 'disabled', status: 'disabled' })).toEqual({ totp: 'disabled', disabled: true });
    expect(hasUserFilters({ ...NO_USER_FILTERS, status: 'active' })).toBe(true);
    // What "N active users" opens: the same users the server's impact counts.
    expect(userFilterQuery(ACTIVE_WITHOUT_TWO_STEP)).toEqual({ totp: 'disabled', disabled: false });
  });

  it('asks for the provisioning state as the server filters it', () => {
    expect(userFilterQuery({ ...NO_USER_FILTERS, provisioning: 'provisioned' })).toEqual({ provisioning: 'provisioned' });
    expect(hasUserFilters({ ...NO_USER_FILTERS, provisioning: 'expired' })).toBe(true);
    expect(userFilterQuery({ ...NO_USER_FILTERS, provisioning: 'any' })).toEqual({});
  });

  it('asks the audit log for the whole of the "to" day, and trims typed logins', () => {
    process.env.TZ = 'UTC';
    expect(auditFilterQuery(NO_AUDIT_FILTERS)).toEqual({});
    expect(auditFilterQuery({ action: 'device.', target: ' b.ito ', actor: 'admin', from: '2026-02-01', to: '2026-02-03', search: '  refused ' })).toEqual({
      action: 'device.',
      target: 'b.ito',
      actor: 'admin',
      from: '2026-02-01T00:00:00.000Z',
      to: '2026-02-04T00:00:00.000Z',
      search: 'refused',
    });
    expect(auditFilterQuery({ ...NO_AUDIT_FILTERS, target: '   ', to: 'not a day' })).toEqual({});
  });
});

describe('the Action filter', () => {
  it('names every action a server writes, and the kind each belongs to', () => {
    for (const action of AUDIT_ACTIONS) {
      expect(AUDIT_ACTION_LABELS[action], action).toBeTruthy();
      expect(AUDIT_ACTION_LABELS[`${action.split('.')[0]}.`], action).toBeTruthy();
    }
  });

  it('offers every kind of action as a choice of its own, the computer sign-in ones too', () => {
    for (const kind of ['computer.', 'otp.', 'client_session.']) {
      expect(AUDIT_FAMILIES).toContain(kind);
      expect(AUDIT_ACTION_LABELS[kind]).toBeTruthy();
    }
    // Requests, sends, uses and denials each have their own name in the filter.
    for (const action of ['otp.request', 'otp.send', 'otp.signin', 'otp.signin_denied', 'otp.request_refused', 'computer.register', 'computer.revoke']) {
      expect(AUDIT_ACTIONS as readonly string[]).toContain(action);
      expect(AUDIT_ACTION_LABELS[action]).toBeTruthy();
    }
  });
});
