/**
 * ECS `adminPass` rules (shared/reference/huaweicloud-ecs-vpc.md §2.1): 8-26 characters, at least
 * three of upper case, lower case, digits and the specials ECS allows, no other character, and
 * neither the user name nor its reverse (any case). Start Deployment checks a password with them
 * before anything starts; the sandbox cloud refuses a violation with Ecs.0011, as ECS does.
 */

export const ADMIN_PASS_SPECIALS = '!@$%^-_=+[{}]:,./?';

export interface AdminPassOptions {
  os?: 'linux' | 'windows';
  /** The login the password is for; ECS's own: `root` on Linux, `Administrator` on Windows. */
  username?: string;
}

/**
 * Returns why a password breaks the ECS rules, or undefined when it is acceptable. The answer
 * never contains the password.
 */
export function adminPassProblem(
  password: string,
  options: AdminPassOptions = {},
): string | undefined {
  const os = options.os ?? 'linux';
  const chars = [...password];
  if (chars.length < 8 || chars.length > 26) return 'must be 8 to 26 characters';
  const special = (c: string) => ADMIN_PASS_SPECIALS.includes(c);
  if (chars.some((c) => !/^[A-Za-z0-9]$/.test(c) && !special(c))) {
    return `may only contain letters, digits and ${ADMIN_PASS_SPECIALS}`;
  }
  const classes = [/[A-Z]/.test(password), /[a-z]/.test(password), /[0-9]/.test(password)]
    .concat(chars.some(special))
    .filter(Boolean).length;
  if (classes < 3) {
    return `needs at least three of: upper case, lower case, digits, ${ADMIN_PASS_SPECIALS}`;
  }
  const user = (options.username ?? (os === 'windows' ? 'administrator' : 'root')).toLowerCase();
  const lower = password.toLowerCase();
  const reversed = [...user].reverse().join('');
  if (user !== '' && (lower.includes(user) || lower.includes(reversed))) {
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
