/**
 * Hostile HTTP for the emulator's one port (HTTP/1.1 side): random request
 * lines, paths, headers and bodies over raw TCP. Every request is answered
 * or the connection closed within a bound — the server never crashes,
 * never answers 500 with internals, never echoes a token — and it still
 * serves a well-formed call afterwards.
 */
import { connect } from "node:net";
import { Code } from "@connectrpc/connect";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { createDataPortabilityClient } from "../../src/index.js";
import { allowStressTime, hostileString, runs } from "./support/arbitraries.js";

allowStressTime();

const ANSWER_WITHIN_MS = 2_000;

let emulator: Emulator;
let token: string;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, maxBodyBytes: 64 * 1024 });
  token = (await emulator.consent({ resources: ["myactivity.search"] })).accessToken;
});
afterAll(async () => {
  await emulator.close();
});

/** Sends raw bytes on a fresh connection; resolves with what came back once the server answered or closed. */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms to ${JSON.stringify(bytes.slice(0, 200))}`));
    }, ANSWER_WITHIN_MS);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      received += chunk;
      // One complete status line and headers are enough.
      if (received.includes("\r\n\r\n")) socket.end();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.end(bytes, "latin1");
  });
}

const METHODS = fc.constantFrom("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS", "PRI", "CONNECT", "G\u00e9T", "");
const PATHS = fc.oneof(
  fc.constantFrom(
    "/v1/accessType:check",
    "/v1/archiveJobs/1/portabilityArchiveState",
    "/v1/archiveJobs/..%2F..%2Fauthorization:reset",
    "/v1/archiveJobs/%2e%2e/portabilityArchiveState",
    "/google.dataportability.v1.DataPortabilityService/CheckAccessType",
    "/token",
    "/revoke",
    "/archives/1/x.zip",
    "/emulator/v1/state",
    "/emulator/v1/faults/%E0%A4%A",
    "*",
    "http://evil.example/v1/accessType:check",
  ),
  hostileString(32).map((s) => "/" + s),
);
const HEADER_NAMES = fc.constantFrom("content-type", "authorization", "content-length", "transfer-encoding", "x-server-timeout", "connect-protocol-version", "grpc-timeout", "te", "host", "x");
const HEADER_VALUES = fc.oneof(
  fc.constantFrom("application/json", "application/grpc-web+proto", "application/proto", "Bearer x", "Bearer " + "a".repeat(300), "chunked", "-1", "99999999999", "1e3", "0", "1S", "trailers"),
  fc.string({ unit: "grapheme-ascii", maxLength: 16 }),
);
const request = fc
  .record({
    method: METHODS,
    path: PATHS,
    version: fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 x", ""),
    headers: fc.array(fc.tuple(HEADER_NAMES, HEADER_VALUES), { maxLength: 5 }),
    body: fc.oneof(fc.constant(""), hostileString(64), fc.constantFrom("{}", '{"resources":["myactivity.search"]}', "\u0000\u0000\u0000\u0000\u0005{}")),
  })
  .map(({ method, path, version, headers, body }) => {
    const lines = [`${method} ${path} ${version}`.trimEnd(), "host: 127.0.0.1", ...headers.map(([n, v]) => `${n}: ${v}`), "connection: close"];
    return lines.join("\r\n") + "\r\n\r\n" + body;
  });

describe("emulator, hostile HTTP/1.1 requests over raw TCP", () => {
  it("answers or closes every request in time and stays up", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (bytes) => {
        const answer = await exchange(emulator.port, bytes);
        if (answer === "") return; // closed without answering (a malformed request line)
        expect(answer).not.toContain(token);
        if (bytes.startsWith("PRI ")) return; // taken for an HTTP/2 preface: answered with HTTP/2 frames
        expect(answer, JSON.stringify(bytes.slice(0, 200))).toMatch(/^HTTP\/1\.[01] \d{3} /);
        expect(answer).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
      }),
      { numRuns: runs(150, 2_000) },
    );
    const client = createDataPortabilityClient({ baseUrl: emulator.url, auth: token, retry: false, timeoutMs: 5_000 });
    expect((await client.checkAccessType({})).oneTimeResources).toEqual(["myactivity.search"]);
    const unauthenticated = createDataPortabilityClient({ baseUrl: emulator.url, auth: false, retry: false, timeoutMs: 5_000 });
    await expect(unauthenticated.checkAccessType({})).rejects.toMatchObject({ code: Code.Unauthenticated });
  });
});
