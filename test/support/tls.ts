/**
 * Self-signed TLS material for tests, made with the openssl CLI (suites skip
 * where it is not installed).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True when the openssl CLI can be run. */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A one-day self-signed P-256 certificate for 127.0.0.1. */
export interface SelfSigned {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** Makes a {@link SelfSigned} certificate for `127.0.0.1` (its temporary files are removed at once). */
export function selfSignedCert(): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), "test-tls-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
