// Credentials in the UI: the server's password rule, checked as the user types (at least 8 characters, NIST SP
// 800-63B; typed twice alike), and what to tell a user whose sign-in failed.
import { ApiError, errorMessage } from '../api/client';

export const MIN_PASSWORD_CHARS = 8;

/** What is wrong with a new password and its confirmation, or null. Characters count as the server counts them. */
export function newPasswordProblem(password: string, confirm: string): string | null {
  const chars = [...password].length;
  if (chars < MIN_PASSWORD_CHARS) return `At least ${String(MIN_PASSWORD_CHARS)} characters (${String(chars)} so far).`;
  if (confirm !== password) return 'The two passwords differ.';
  return null;
}

/** What to tell the user when signing in failed: a wrong email or password, or too many attempts (a wait). */
export function signInProblem(error: unknown): { tone: 'error' | 'warning'; text: string } {
  if (error instanceof ApiError && error.status === 401) return { tone: 'error', text: 'Wrong email or password.' };
  if (error instanceof ApiError && error.status === 429) {
    const text = errorMessage(error);
    return { tone: 'warning', text: `${text.charAt(0).toUpperCase()}${text.slice(1)}.` };
  }
  return { tone: 'error', text: errorMessage(error) };
}
