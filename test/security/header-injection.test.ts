/**
 * Header values and names with CR/LF (or NUL) are refused with a
 * ConnectError before anything is sent, over every protocol: the
 * `quotaProject` option at construction, and headers given per call. The
 * emulator (behind a recording proxy) never sees the call, and no injected
 * header line ever crosses the wire.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { DATA_PORTABILITY_PROTOCOLS, createDataPortabilityClient } from "../../src/index.js";
import { startRecordingProxy, type RecordingProxy } from "./support/capture.js";

const PROTOCOLS = DATA_PORTABILITY_PROTOCOLS;
const INJECTED: readonly Record<string, string>[] = [
  { "x-goog-request-reason": "audit\r\nx-evil: 1" },
  { "x-goog-request-reason": "audit\nx-evil: 1" },
  { "x-goog-request-reason": "audit\rx-evil: 1" },
  { "x-evil\r\nx-other": "1" },
  { "x-goog-request-reason": "a\u0000x-evil" },
];

let emulator: Emulator;
let proxy: RecordingProxy;
let token: string;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  proxy = await startRecordingProxy(emulator.port);
  token = (await emulator.consent({ user: "headers@example.com", resources: ["myactivity.search"] })).accessToken;
});
afterAll(async () => {
  await proxy.close();
  await emulator.close();
});

describe.each(PROTOCOLS)("%s", (protocol) => {
  it("refuses a quotaProject with CR/LF when the client is created", () => {
    for (const quotaProject of ["my-project\r\nx-evil: 1", "my-project\n", "my project", ""]) {
      let error: unknown;
      try {
        createDataPortabilityClient({ protocol, baseUrl: proxy.url, auth: token, quotaProject });
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(quotaProject)).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    }
  });

  it.each(INJECTED.map((h) => [JSON.stringify(h), h] as const))("refuses the call header %s before sending", async (_label, headers) => {
    const client = createDataPortabilityClient({ protocol, baseUrl: proxy.url, auth: token, retry: false, timeoutMs: 3_000 });
    emulator.calls.reset();
    const started = performance.now();
    const result = await client.checkAccessType({}, { headers }).then(
      () => "ok",
      (e: unknown) => e,
    );
    expect(result).toBeInstanceOf(ConnectError);
    expect((result as ConnectError).code, (result as ConnectError).message).toBe(Code.InvalidArgument);
    expect(performance.now() - started, "refused at once, not by the deadline").toBeLessThan(2_000);
    expect(emulator.calls.count("CheckAccessType"), "the emulator never saw the call").toBe(0);
    expect(proxy.sent()).not.toMatch(/\r\nx-evil/i);
    expect((result as ConnectError).message).not.toContain(token);
  });

  it("still sends an ordinary header", async () => {
    const client = createDataPortabilityClient({ protocol, baseUrl: proxy.url, auth: token, retry: false, timeoutMs: 3_000, quotaProject: "my-project" });
    await expect(client.checkAccessType({}, { headers: { "x-goog-request-reason": "audit" } })).resolves.toBeDefined();
  });
});
