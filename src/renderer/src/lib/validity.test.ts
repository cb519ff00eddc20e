import { describe, expect, it } from 'vitest';
import { describeValidity, validityDraft, validityProblem, validitySeconds } from './validity';

describe('a provisioning code’s validity', () => {
  it('shows the server’s default in the largest unit that says it exactly', () => {
    expect(validityDraft(86_400)).toEqual({ amount: '1', unit: 'days' });
    expect(validityDraft(7_200)).toEqual({ amount: '2', unit: 'hours' });
    expect(validityDraft(5_400)).toEqual({ amount: '90', unit: 'minutes' });
    expect(describeValidity(86_400)).toBe('1 day');
    expect(describeValidity(7_200)).toBe('2 hours');
  });

  it('takes 10 minutes to 30 days, in sentences otherwise', () => {
    expect(validitySeconds({ amount: '10', unit: 'minutes' })).toBe(600);
    expect(validityProblem({ amount: '10', unit: 'minutes' })).toBeNull();
    expect(validityProblem({ amount: '30', unit: 'days' })).toBeNull();
    expect(validityProblem({ amount: '9', unit: 'minutes' })).toBe('At least 10 minutes');
    expect(validityProblem({ amount: '31', unit: 'days' })).toBe('At most 30 days');
    expect(validityProblem({ amount: '1.5', unit: 'hours' })).toBe('A whole number');
    expect(validityProblem({ amount: '', unit: 'hours' })).toBe('A whole number');
  });
});
