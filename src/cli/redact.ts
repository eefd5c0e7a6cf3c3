/**
 * Keeps tokens out of everything the CLI prints.
 *
 * @module
 */

/** What a redacted credential is replaced with. */
export const REDACTED = "<redacted>";

const PATTERNS: readonly [RegExp, string][] = [
  // An Authorization header value in any message.
  [/\b(Bearer|Basic)\s+[^\s'",;]+/gi, `$1 ${REDACTED}`],
  // Google access tokens and refresh tokens, and the emulator's look-alikes.
  [/\bya29\.[^\s'",;]+/g, REDACTED],
  [/\b1\/\/[^\s'",;]+/g, REDACTED],
  // OAuth form fields and JSON fields that carry secrets.
  [/\b(access_token|refresh_token|client_secret|id_token)(["']?\s*[:=]\s*["']?)[^\s'",;&]+/gi, `$1$2${REDACTED}`],
];

/**
 * Returns `text` with every known secret (values of at least 4 characters)
 * and anything shaped like a bearer token, Google access or refresh token,
 * or `access_token=`/`"refresh_token": …` field replaced by `<redacted>`.
 */
export function redactSecrets(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
