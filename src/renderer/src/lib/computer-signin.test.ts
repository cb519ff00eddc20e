import { afterEach, describe, expect, it } from 'vitest';
import {
  clientSessionFilterQuery,
  endReasonText,
  expiresInText,
  NO_CLIENT_SESSION_FILTERS,
  NO_PENDING_FILTERS,
  parseExpirationMinutes,
  pendingFilterQuery,
} from './computer-signin';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('the Client sessions filters as the server is asked', () => {
  it('asks for nothing when nothing is set', () => {
    expect(clientSessionFilterQuery(NO_CLIENT_SESSION_FILTERS)).toEqual({});
    expect(clientSessionFilterQuery({ ...NO_CLIENT_SESSION_FILTERS, user: '   ', to: 'not a day' })).toEqual({});
  });

  it('trims typed text, asks for whole days in local time and only for the yes/no filters that are on', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(
      clientSessionFilterQuery({ user: ' CORP\\a.berg ', email: 'corp.example', computer: 'WS-', from: '2026-03-05', to: '2026-03-05', ongoing: true, emergency: true }),
    ).toEqual({
      user: 'CORP\\a.berg',
      email: 'corp.example',
      computer: 'WS-',
      from: '2026-03-04T23:00:00.000Z',
      // The server's `to` is exclusive: the next day's start, so the whole of the 5th is in.
      to: '2026-03-05T23:00:00.000Z',
      active: true,
      emergency: true,
    });
  });

  it('asks the pending requests for a trimmed search and whole days', () => {
    process.env.TZ = 'UTC';
    expect(pendingFilterQuery(NO_PENDING_FILTERS)).toEqual({});
    expect(pendingFilterQuery({ search: ' a.berg ', from: '2026-01-02', to: '2026-01-02' })).toEqual({
      search: 'a.berg',
      from: '2026-01-02T00:00:00.000Z',
      to: '2026-01-03T00:00:00.000Z',
    });
  });
});

describe('the words of the lists', () => {
  it('says an open session is ongoing, and why an ended one ended', () => {
    expect(endReasonText({ endedAt: null, endReason: null })).toBe('Ongoing');
    expect(endReasonText({ endedAt: '2026-01-01T10:00:00Z', endReason: 'signed_out' })).toBe('signed out');
    expect(endReasonText({ endedAt: '2026-01-01T10:00:00Z', endReason: 'computer_revoked' })).toBe('computer revoked');
    // A reason this console does not know yet is still readable.
    expect(endReasonText({ endedAt: '2026-01-01T10:00:00Z', endReason: 'session_expired' })).toBe('session expired');
  });

  it('says how long a pending password has left, rounding up to the minute', () => {
    const now = Date.parse('2026-01-01T10:00:00Z');
    expect(expiresInText('2026-01-01T10:29:30Z', now)).toBe('in 30 min');
    expect(expiresInText('2026-01-01T10:00:01Z', now)).toBe('in 1 min');
    expect(expiresInText('2026-01-01T12:00:00Z', now)).toBe('in 2 h');
    expect(expiresInText('2026-01-02T09:05:00Z', now)).toBe('in 23 h 5 min');
    expect(expiresInText('2026-01-01T10:00:00Z', now)).toBe('expired');
  });

  it('reads the Access Request Expiration Time as whole minutes from 1 to 1,440', () => {
    expect(parseExpirationMinutes('30')).toBe(30);
    expect(parseExpirationMinutes(' 1440 ')).toBe(1440);
    expect(parseExpirationMinutes('1')).toBe(1);
    expect(parseExpirationMinutes('0')).toBeNull();
    expect(parseExpirationMinutes('1441')).toBeNull();
    expect(parseExpirationMinutes('12.5')).toBeNull();
    expect(parseExpirationMinutes('')).toBeNull();
    expect(parseExpirationMinutes('-5')).toBeNull();
  });
});
