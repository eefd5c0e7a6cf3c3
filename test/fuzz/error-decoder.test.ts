/**
 * Hostile error responses for the REST error decoder (`errorFromJsonBody`):
 * any bytes, any HTTP status, any headers, JSON of any shape, Google
 * envelopes and bare Status bodies with hostile details. The decoder always
 * returns a ConnectError with a valid code — never throws — keeps non-JSON
 * bodies out of the message (a short summary only), and runs in linear time.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorFromJsonBody } from "../../src/rest/index.js";
import { allowStressTime, anyBytes, hostileString, runs } from "./support/arbitraries.js";
import { expectLinear } from "./support/linearity.js";

allowStressTime();

const encoder = new TextEncoder();
const status = fc.oneof(fc.integer({ min: 100, max: 599 }), fc.integer(), fc.constantFrom(0, -1, 200, 204, 302, 401, 502, 503));
const headers = fc
  .array(fc.tuple(fc.constantFrom("retry-after", "content-type", "www-authenticate", "x-a"), fc.string({ unit: "grapheme-ascii", maxLength: 12 })), { maxLength: 3 })
  .map((pairs) => {
    const h = new Headers();
    for (const [name, value] of pairs) {
      try {
        h.append(name, value);
      } catch {
        // a value Headers refuses is simply not sent
      }
    }
    return h;
  });

const TYPES = [
  "type.googleapis.com/google.rpc.ErrorInfo",
  "type.googleapis.com/google.rpc.RetryInfo",
  "type.googleapis.com/google.rpc.BadRequest",
  "type.googleapis.com/google.rpc.DebugInfo",
  "type.googleapis.com/google.protobuf.Duration",
  "type.googleapis.com/unknown.Type",
  "google.rpc.ErrorInfo",
  "",
];
const detail = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.record({
    "@type": fc.constantFrom(...TYPES),
    reason: fc.oneof(hostileString(8), fc.integer()),
    domain: fc.jsonValue({ maxDepth: 1 }),
    metadata: fc.oneof(fc.dictionary(hostileString(4), hostileString(4), { maxKeys: 2 }), fc.jsonValue({ maxDepth: 1 })),
    retryDelay: fc.oneof(fc.constantFrom("3s", "-1s", "1.5s", "x", "99999999999999s"), fc.jsonValue({ maxDepth: 1 })),
    value: fc.jsonValue({ maxDepth: 1 }),
  }, { requiredKeys: ["@type"] }),
);
const statusName = fc.oneof(fc.constantFrom("OK", "NOT_FOUND", "UNAVAILABLE", "unavailable", "RESOURCE_EXHAUSTED", "__proto__", "constructor"), hostileString(8));
const envelope = fc.record({
  error: fc.record({
    code: fc.oneof(fc.integer(), fc.jsonValue({ maxDepth: 0 })),
    message: fc.oneof(hostileString(16), fc.jsonValue({ maxDepth: 1 })),
    status: fc.oneof(statusName, fc.jsonValue({ maxDepth: 0 })),
    details: fc.oneof(fc.array(detail, { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })),
  }, { requiredKeys: [] }),
});
const bareStatus = fc.record({
  code: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.double(), fc.jsonValue({ maxDepth: 0 })),
  message: fc.oneof(hostileString(16), fc.jsonValue({ maxDepth: 1 })),
  details: fc.oneof(fc.array(detail, { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })),
}, { requiredKeys: [] });
const body = fc.oneof(
  anyBytes,
  hostileString(64).map((s) => encoder.encode(s)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => encoder.encode(JSON.stringify(v))),
  fc.oneof(envelope, bareStatus, fc.array(envelope, { maxLength: 2 })).map((v) => encoder.encode(JSON.stringify(v))),
  fc.constantFrom("<!DOCTYPE html><title>502</title>", "<<<<", "{", "[", '{"error":', "\ufeff{}", "\u0000").map((s) => encoder.encode(s)),
);

function decode(httpStatus: number, header: Headers, bytes: Uint8Array): ConnectError | unknown {
  try {
    return errorFromJsonBody(httpStatus, header, bytes);
  } catch (e) {
    return e;
  }
}

describe("error decoder, hostile responses", () => {
  it("always returns a ConnectError with a code from 1 to 16, and never throws", () => {
    fc.assert(
      fc.property(status, headers, body, (httpStatus, header, bytes) => {
        const result = decode(httpStatus, header, bytes);
        expect(result, `threw or returned something else for ${JSON.stringify(new TextDecoder().decode(bytes))}`).toBeInstanceOf(ConnectError);
        const error = result as ConnectError;
        expect(error.code).toBeGreaterThanOrEqual(Code.Canceled);
        expect(error.code).toBeLessThanOrEqual(Code.Unauthenticated);
        expect(typeof error.rawMessage).toBe("string");
        // Details are decodable; reading them never throws either.
        expect(() => error.details.map((d) => ("type" in d ? d.type : d.desc.typeName))).not.toThrow();
      }),
      { numRuns: runs(3_000) },
    );
  });

  it("never copies a body that is not JSON into the message", () => {
    fc.assert(
      fc.property(status, hostileString(200).filter((s) => !/^\s*[[{]/.test(s)), (httpStatus, text) => {
        const error = decode(httpStatus, new Headers(), encoder.encode("<html>" + text.repeat(30))) as ConnectError;
        expect(error).toBeInstanceOf(ConnectError);
        expect(error.rawMessage.length).toBeLessThanOrEqual(`HTTP ${httpStatus}: `.length + 121);
      }),
      { numRuns: runs(500) },
    );
  });

  it.each([
    ["an HTML page of unclosed tags", (n: number) => "<".repeat(n)],
    ["an HTML page of tags", (n: number) => "<p>a</p>".repeat(n)],
    ["whitespace", (n: number) => " \t\r\n".repeat(n) + "x"],
    ["deeply nested arrays", (n: number) => "[".repeat(n) + "]".repeat(n)],
    ["an unterminated JSON object", (n: number) => '{"error":{"message":"' + "a".repeat(n)],
    ["an envelope with many details", (n: number) => JSON.stringify({ error: { status: "UNAVAILABLE", details: Array.from({ length: n }, () => ({ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "R", metadata: { a: "b" } })) } })],
    ["an envelope with a long message", (n: number) => JSON.stringify({ error: { status: "UNAVAILABLE", message: "é".repeat(n) } })],
  ])("runs in linear time on %s", (label, make) => {
    expectLinear(label, 100, (n) => encoder.encode(make(n)), (bytes) => void decode(502, new Headers(), bytes));
  });
});
