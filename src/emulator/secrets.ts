/**
 * Opaque random secrets (tokens, ids) and their hashes. The emulator keys its
 * token tables by hash, so no table, log or admin view holds a raw token.
 */
import { createHash, randomBytes } from "node:crypto";

/** A new opaque secret: `prefix` followed by `bytes` random bytes in base64url. */
export function randomSecret(prefix: string, bytes = 32): string {
  return prefix + randomBytes(bytes).toString("base64url");
}

/** The SHA-256 of a secret, in base64url, used as its table key. */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}
