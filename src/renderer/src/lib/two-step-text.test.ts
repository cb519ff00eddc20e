import { describe, expect, it } from 'vitest';
import { activeUsersText, driftText, groupSecret, lockoutWhen, otpProblem, recoveryProblem, twoStepStateText } from './two-step-text';

const base = { enabled: true, failedAttempts: 0, locked: false, nextTryAt: null, enrolmentPendingUntil: null };

describe('what the console says about two-step verification', () => {
  it('takes a 6-digit code with the space apps show, and a recovery code however it is typed', () => {
    expect(otpProblem('123 456')).toBeUndefined();
    expect(otpProblem('12345')).toBe('An authenticator code is 6 digits');
    expect(otpProblem('')).toBe('Enter the code from the authenticator app');
    expect(recoveryProblem('7k3m q9td abcd efgh')).toBeUndefined();
    expect(recoveryProblem('7K3M-Q9TD')).toBe('A recovery code is 16 letters and digits (XXXX-XXXX-XXXX-XXXX)');
  });

  it('groups a secret for typing and says which way the app’s clock is off', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(driftText(0)).toBe('none');
    expect(driftText(2)).toBe('60 s ahead (2 steps)');
    expect(driftText(-1)).toBe('30 s behind (1 step)');
  });

  it('names the state: off, pending, on, wrong codes in a row, locked', () => {
    expect(twoStepStateText({ ...base, enabled: false })).toBe('Off');
    expect(twoStepStateText({ ...base, enabled: false, enrolmentPendingUntil: '2026-03-05T10:15:00.000Z' })).toMatch(/^Off: enrolment pending until 2026-03-0\d \d\d:\d\d$/);
    expect(twoStepStateText(base)).toBe('On');
    expect(twoStepStateText({ ...base, failedAttempts: 1 })).toBe('On: 1 wrong code in a row');
    expect(twoStepStateText({ ...base, failedAttempts: 12, nextTryAt: '2026-03-05T10:15:00.000Z' })).toMatch(/^On: 12 wrong codes in a row, next try after /);
    expect(twoStepStateText({ ...base, failedAttempts: 100, locked: true })).toBe('Locked after 100 wrong codes: no code is checked until the count is reset');
  });

  it('counts who mandatory two-step verification would lock out, and when', () => {
    expect(activeUsersText(1)).toBe('1 active user');
    expect(activeUsersText(1204)).toBe('1,204 active users');
    expect(lockoutWhen(0)).toBe('from now on');
    expect(lockoutWhen(1)).toBe('after the grace period of 1 day');
    expect(lockoutWhen(14)).toBe('after the grace period of 14 days');
  });
});
