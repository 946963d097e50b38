/** Quotes one word for POSIX `sh`: wraps it in single quotes, escaping embedded ones. */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new TypeError('shell words cannot contain NUL');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Environment variable names that `sh` accepts in `export NAME=...`. */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Renders `export A='x' B='y';` for a command prefix; names are validated by the caller. */
export function exportPrefix(env: Readonly<Record<string, string>>): string {
  const entries = Object.entries(env);
  if (entries.length === 0) return '';
  return `export ${entries.map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ')}; `;
}
