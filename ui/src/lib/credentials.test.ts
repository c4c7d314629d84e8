import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { newPasswordProblem, signInProblem } from './credentials';

describe('newPasswordProblem', () => {
  it('asks for 8 characters, counted as characters, typed twice alike', () => {
    expect(newPasswordProblem('short', 'short')).toBe('At least 8 characters (5 so far).');
    expect(newPasswordProblem('ééééééé', 'ééééééé')).toBe('At least 8 characters (7 so far).');
    expect(newPasswordProblem('long enough', 'long enougH')).toBe('The two passwords differ.');
    expect(newPasswordProblem('long enough', 'long enough')).toBeNull();
  });
});

describe('signInProblem', () => {
  it('tells a wrong password from too many attempts and a server out of reach', () => {
    expect(signInProblem(new ApiError(401, 'unauthorized', 'wrong email or password'))).toEqual({ tone: 'error', text: 'Wrong email or password.' });
    expect(signInProblem(new ApiError(429, 'too_many_attempts', 'too many failed sign-ins for this email; try again in 15 minutes'))).toEqual({
      tone: 'warning',
      text: 'Too many failed sign-ins for this email; try again in 15 minutes.',
    });
    expect(signInProblem(new ApiError(0, 'network', 'Cannot reach the Wand server.')).text).toBe('Cannot reach the Wand server.');
  });
});
