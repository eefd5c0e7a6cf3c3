/**
 * The emulator listens on loopback unless told otherwise, and over every
 * protocol refuses calls without a valid token (missing, malformed, unknown,
 * expired, revoked) before the service acts; a token without the right
 * scope is PERMISSION_DENIED. Download URLs need a valid signature.
 */
import { createServer } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { DATA_PORTABILITY_PROTOCOLS, createDataPortabilityClient } from "../../src/index.js";

const PROTOCOLS = DATA_PORTABILITY_PROTOCOLS;

async function ipv6Loopback(): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => server.close(() => resolve(true)));
  });
}

async function code(p: Promise<unknown>): Promise<Code | "ok"> {
  return p.then(
    () => "ok" as const,
    (e: unknown) => (e instanceof ConnectError ? e.code : Promise.reject(e)),
  );
}

const HAS_IPV6_LOOPBACK = await ipv6Loopback();

describe("where the emulator listens", () => {
  it("on 127.0.0.1 by default", async () => {
    const emulator = await startEmulator();
    try {
      expect(emulator.host).toBe("127.0.0.1");
      expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    } finally {
      await emulator.close();
    }
  });

  it.runIf(HAS_IPV6_LOOPBACK)("on the interface it is told to use (::1)", async () => {
    const emulator = await startEmulator({ host: "::1" });
    try {
      expect(emulator.url).toBe(`http://[::1]:${emulator.port}`);
      const { accessToken } = await emulator.consent({ resources: ["myactivity.search"] });
      const client = createDataPortabilityClient({ baseUrl: emulator.url, auth: accessToken, retry: false });
      expect((await client.checkAccessType({})).oneTimeResources).toEqual(["myactivity.search"]);
    } finally {
      await emulator.close();
    }
  });
});

describe.each(PROTOCOLS)("%s: calls without a valid token are refused", (protocol) => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emulator.close();
  });

  /** A client that sends `authorization` as given (the library's auth is off). */
  const withHeader = (authorization: string | undefined) => {
    const client = createDataPortabilityClient({ protocol, baseUrl: emulator.url, auth: false, retry: false, timeoutMs: 5_000 });
    const headers = authorization === undefined ? undefined : { authorization };
    return {
      check: () => client.checkAccessType({}, { headers }),
      initiate: () => client.initiatePortabilityArchive({ resources: ["myactivity.search"] }, { headers }),
      reset: () => client.resetAuthorization({}, { headers }),
    };
  };

  it("missing, malformed or unknown: UNAUTHENTICATED, and nothing happens", async () => {
    for (const authorization of [undefined, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer x y", "Bearer ya29.emu-unknown", "Token abc"]) {
      const client = withHeader(authorization);
      expect(await code(client.check()), JSON.stringify(authorization)).toBe(Code.Unauthenticated);
      expect(await code(client.initiate()), JSON.stringify(authorization)).toBe(Code.Unauthenticated);
      expect(await code(client.reset()), JSON.stringify(authorization)).toBe(Code.Unauthenticated);
    }
    expect(emulator.jobs.list()).toEqual([]);
  });

  it("expired and revoked tokens: UNAUTHENTICATED", async () => {
    const expiring = await emulator.consent({ user: `expired-${protocol}@example.com`, resources: ["myactivity.search"] });
    const revoked = await emulator.consent({ user: `revoked-${protocol}@example.com`, resources: ["myactivity.search"] });
    expect(await code(withHeader(`Bearer ${revoked.accessToken}`).reset())).toBe("ok");
    expect(await code(withHeader(`Bearer ${revoked.accessToken}`).check())).toBe(Code.Unauthenticated);
    emulator.clock.advance(2 * 60 * 60 * 1000);
    expect(await code(withHeader(`Bearer ${expiring.accessToken}`).check())).toBe(Code.Unauthenticated);
    expect(await code(withHeader(`Bearer ${expiring.accessToken}`).initiate())).toBe(Code.Unauthenticated);
    expect(emulator.jobs.list()).toEqual([]);
  });

  it("a token without the group's scope: PERMISSION_DENIED", async () => {
    const none = await emulator.consent({ user: `noscope-${protocol}@example.com`, resources: [] });
    expect(await code(withHeader(`Bearer ${none.accessToken}`).check())).toBe(Code.PermissionDenied);
    const other = await emulator.consent({ user: `other-${protocol}@example.com`, resources: ["chrome.history"] });
    expect(await code(withHeader(`Bearer ${other.accessToken}`).initiate())).toBe(Code.PermissionDenied);
    expect(emulator.jobs.list()).toEqual([]);
  });
});

describe("downloads need a valid signature", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("an unsigned, tampered or foreign-signed URL is refused", async () => {
    const { accessToken } = await emulator.consent({ user: "download@example.com", resources: ["myactivity.search"] });
    const client = createDataPortabilityClient({ baseUrl: emulator.url, auth: accessToken, retry: false });
    const { archiveJobId } = await client.initiatePortabilityArchive({ resources: ["myactivity.search"] });
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const { urls } = await client.getPortabilityArchiveState({ name: `archiveJobs/${archiveJobId}/portabilityArchiveState` });
    const signed = new URL(urls[0]!);
    expect((await fetch(signed)).status).toBe(200);
    const variants = [
      `${signed.origin}${signed.pathname}`,
      `${signed.origin}${signed.pathname}?Expires=${signed.searchParams.get("Expires")}&Signature=AAAA`,
      `${signed.origin}${signed.pathname}?Expires=9999999999&Signature=${signed.searchParams.get("Signature")}`,
    ];
    for (const url of variants) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
      await res.arrayBuffer();
      expect([400, 401, 403], url).toContain(res.status);
    }
  });
});
