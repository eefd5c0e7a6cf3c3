/**
 * Signed download URLs: `/archives/{job}/{file}?Expires={unix s}&Signature={hmac}`.
 * The HMAC-SHA256 covers the path and the expiry; the URL needs no
 * Authorization header, like a Cloud Storage signed URL.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Path prefix of download URLs. */
export const ARCHIVE_PATH_PREFIX = "/archives/";

/** Signs and checks download URLs with one key. */
export interface UrlSigner {
  /** A full URL for `path` (starting with "/") that expires at `expiresAtMs`. */
  sign(baseUrl: string, path: string, expiresAtMs: number): string;
  /** Whether `signature` is the signature of `path` and `expires` (unix seconds, as sent). */
  verify(path: string, expires: string, signature: string): boolean;
}

/** Creates a signer with `key`. */
export function createUrlSigner(key: string | Uint8Array): UrlSigner {
  const mac = (path: string, expires: string) =>
    createHmac("sha256", key).update(`${path}\n${expires}`).digest();
  return {
    sign(baseUrl, path, expiresAtMs) {
      const expires = String(Math.floor(expiresAtMs / 1000));
      const signature = mac(path, expires).toString("base64url");
      return `${baseUrl}${path}?Expires=${expires}&Signature=${signature}`;
    },
    verify(path, expires, signature) {
      if (!/^\d{1,15}$/.test(expires)) return false;
      const want = mac(path, expires);
      const got = Buffer.from(signature, "base64url");
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}
