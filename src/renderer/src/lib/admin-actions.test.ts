import { describe, expect, it } from 'vitest';
import { GatepassError } from '../../../shared/errors';
import { adminActionReasons, adminCountText } from './admin-actions';
import { errorWithCode } from './format';

describe('adminActionReasons', () => {
  it('asks for a selection first', () => {
    expect(adminActionReasons(undefined)).toEqual({ disable: 'Select an administrator first', enable: 'Select an administrator first', password: 'Select an administrator first' });
  });

  it('never offers to disable yourself, and says why', () => {
    expect(adminActionReasons({ login: 'admin', disabledAt: null, you: true })).toEqual({
      disable: 'You cannot disable yourself: another administrator can',
      enable: 'admin is enabled',
      password: null,
    });
  });

  it('offers Disable for another enabled administrator and Enable for a disabled one', () => {
    expect(adminActionReasons({ login: 'Ops.Lead', disabledAt: null, you: false })).toEqual({ disable: null, enable: 'Ops.Lead is enabled', password: null });
    expect(adminActionReasons({ login: 'Ops.Lead', disabledAt: '2026-12-06T10:00:00.000Z', you: false })).toEqual({
      disable: 'Ops.Lead is already disabled',
      enable: null,
      password: null,
    });
  });
});

describe('adminCountText', () => {
  it('counts administrators and the disabled ones', () => {
    expect(adminCountText([{ disabledAt: null }])).toBe('1 administrator');
    expect(adminCountText([{ disabledAt: null }, { disabledAt: '2026-12-06T10:00:00.000Z' }, { disabledAt: null }])).toBe('3 administrators, 1 disabled');
  });
});

describe('errorWithCode', () => {
  it("puts the refusal's stable code after its message", () => {
    expect(errorWithCode(new GatepassError('LOGIN_TAKEN', 'An administrator "ops" already exists'))).toBe('An administrator "ops" already exists [LOGIN_TAKEN]');
  });

  it('shows a plain error as it is', () => {
    expect(errorWithCode(new Error('Network down'))).toBe('Network down');
    expect(errorWithCode('x')).toBe('Something went wrong');
  });
});
