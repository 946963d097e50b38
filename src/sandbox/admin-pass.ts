/**
 * ECS `adminPass` rules (shared/reference/huaweicloud-ecs-vpc.md §2.1): 8-26 characters, at least
 * three of upper case, lower case, digits and the specials ECS allows, and neither the user name
 * nor its reverse. The emulator refuses a violation with 400 Ecs.0011, as ECS does.
 */

export const ADMIN_PASS_SPECIALS = '!@$%^-_=+[{}]:,./?';

/** Returns why a password breaks the ECS rules, or undefined when it is acceptable. */
export function adminPassProblem(
  password: string,
  os: 'linux' | 'windows' = 'linux',
): string | undefined {
  if (password.length < 8 || password.length > 26) return 'must be 8 to 26 characters';
  let classes = 0;
  if (/[A-Z]/.test(password)) classes++;
  if (/[a-z]/.test(password)) classes++;
  if (/[0-9]/.test(password)) classes++;
  if ([...password].some((c) => ADMIN_PASS_SPECIALS.includes(c))) classes++;
  if (classes < 3) return 'needs at least three of: upper case, lower case, digits, specials';
  const allowed = /^[A-Za-z0-9]*$/;
  if ([...password].some((c) => !allowed.test(c) && !ADMIN_PASS_SPECIALS.includes(c))) {
    return `may only contain letters, digits and ${ADMIN_PASS_SPECIALS}`;
  }
  const user = os === 'windows' ? 'administrator' : 'root';
  const lower = password.toLowerCase();
  const reversed = [...user].reverse().join('');
  if (lower.includes(user) || lower.includes(reversed)) {
    return 'must not contain the user name or its reverse';
  }
  if (os === 'windows') {
    for (let i = 0; i + 3 <= user.length; i++) {
      if (lower.includes(user.slice(i, i + 3))) {
        return 'must not contain more than two consecutive characters of the user name';
      }
    }
  }
  return undefined;
}
