import { describe, expect, it } from 'vitest';
import { ACTION_TEXT, mandatoryNote, namesSummary, progressText, resultText } from './user-actions';

describe('naming the users an action is for', () => {
  it('names one, two or a few users in full', () => {
    expect(namesSummary(['a.berg'])).toBe('a.berg');
    expect(namesSummary(['a.berg', 'b.chen'])).toBe('a.berg and b.chen');
    expect(namesSummary(['a.berg', 'b.chen', 'c.diaz'])).toBe('a.berg, b.chen and c.diaz');
  });

  it('names the first five of many and counts the rest', () => {
    const logins = Array.from({ length: 12 }, (_, i) => `u${i}`);
    expect(namesSummary(logins)).toBe('u0, u1, u2, u3, u4 and 7 more');
    // Only the first logins are known (select-all of 100,000): the total still counts.
    expect(namesSummary(logins.slice(0, 5), 100_000)).toBe('u0, u1, u2, u3, u4 and 99,995 more');
    expect(namesSummary(['u0', 'u1'], 3, 1)).toBe('u0 and 2 more');
  });

  it('falls back to a count when no login is known yet', () => {
    expect(namesSummary([], 4)).toBe('4 users');
  });

  it('asks each question with the names and says what the action does', () => {
    expect(ACTION_TEXT.disable.question('a.berg and b.chen')).toBe('Disable a.berg and b.chen?');
    expect(ACTION_TEXT.revokeQr.effect).toContain('No new code is issued');
    expect(ACTION_TEXT.endSessions.effect).toContain('keep working');
    expect(ACTION_TEXT.removeTwoStep.question('a.berg')).toBe('Remove two-step verification of a.berg?');
    expect(ACTION_TEXT.removeTwoStep.effect).toContain('they sign in with the password alone until they set up two-step verification again');
  });

  it('says what removing two-step verification means where it is mandatory, during and after the grace period', () => {
    const now = new Date('2026-03-05T10:00:00.000Z');
    expect(mandatoryNote('Plant 1', { mandatory: false, graceEndsAt: null }, now)).toBeNull();
    expect(mandatoryNote('Plant 1', { mandatory: true, graceEndsAt: '2026-03-12T10:00:00.000Z' }, now)).toMatch(
      /^Two-step verification is mandatory on Plant 1: they will be asked to set it up again at their next sign-in \(the grace period ends 2026-03-1\d \d\d:\d\d\)\.$/,
    );
    expect(mandatoryNote('Plant 1', { mandatory: true, graceEndsAt: '2026-03-01T10:00:00.000Z' }, now)).toContain('grace period is over: they will not be able to sign in with a password');
  });
});

describe('progress and result lines', () => {
  it('counts progress in users', () => {
    expect(progressText('Disabling', 500, 2_000)).toBe('Disabling: 500 of 2,000 users');
  });

  it('says all went well, who failed, and who a stop left untouched', () => {
    expect(resultText('Disabled', { ok: 3, failed: 0, notReached: 0 })).toBe('Disabled 3 users');
    expect(resultText('Enabled', { ok: 1, failed: 0, notReached: 0 })).toBe('Enabled 1 user');
    expect(resultText('Disabled', { ok: 2, failed: 1, notReached: 0 })).toBe('Disabled 2 of 3 users; 1 failed');
    expect(resultText('Revoked the QR codes of', { ok: 500, failed: 0, notReached: 1_500 })).toBe(
      'Revoked the QR codes of 500 of 2,000 users; stopped before 1,500 users, who were not changed',
    );
  });
});
