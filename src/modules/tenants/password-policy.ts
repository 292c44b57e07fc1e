import { dictionary } from '@zxcvbn-ts/language-common';

export type PasswordProblem = 'password_matches_email' | 'password_too_common';

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  password_matches_email: 'The password must not be the email address',
  password_too_common: 'This password is among the most common ones; choose another',
};

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * zxcvbn-ts's list of ~49k passwords seen most often in breaches (@zxcvbn-ts/language-common,
 * pinned): compared in lower case, since "Password123" is as guessable as "password123".
 */
function readCommonPasswords(): ReadonlySet<string> {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));
  return commonPasswords;
}

/** Why a new password is refused, or undefined. Length is the schema's job (10+ characters). */
export function findPasswordProblem(input: { email: string; password: string }): PasswordProblem | undefined {
  const password = input.password.trim().toLowerCase();
  const email = input.email.trim().toLowerCase();
  const localPart = email.split('@')[0] ?? email;
  if (password === email || password === localPart) return 'password_matches_email';
  if (readCommonPasswords().has(password)) return 'password_too_common';
  return undefined;
}
