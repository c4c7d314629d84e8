// The state of a new password typed twice (the owner's sign-up, a password change, an admin's new user or password).
import { useState } from 'react';
import { newPasswordProblem } from './credentials';

/** The state of a new password typed twice: the password, `submit` (marks the form sent and says whether the password
 * may go), and the props of its fields. */
export function useNewPassword() {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const problem = newPasswordProblem(password, confirm);
  return {
    password,
    submit: () => {
      setSubmitted(true);
      return problem == null;
    },
    fields: { password, confirm, onPassword: setPassword, onConfirm: setConfirm, problem: submitted ? problem : null },
  };
}
