/**
 * Bad input over raw HTTP: malformed JSON, unknown fields, wrong content
 * types, oversized bodies and bad escapes each get a clear error, and the
 * emulator keeps serving.
 */
import { Code } from "@connectrpc/connect";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEmulatorClient, PROTOCOLS } from "../support/emulator-clients.js";
import { expectCode, newUser, raw, useEmulator } from "./helpers.js";

const LIMIT = 4096;
const RPC = "/google.dataportability.v1.DataPortabilityService";

describe("bad input", () => {
  const emulator = useEmulator({ maxBodyBytes: LIMIT });
  let token: string;
  let healthChecks: Array<() => Promise<unknown>>;

  beforeAll(async () => {
    token = (await emulator.consent({ user: newUser(), resources: ["myactivity.search", "chrome.history"] })).accessToken;
    healthChecks = PROTOCOLS.map((protocol) => {
      const client = createEmulatorClient(protocol, emulator.url, { auth: token });
      return async () => expect((await client.checkAccessType({})).oneTimeResources, protocol).toHaveLength(2);
    });
  });
  // After every refusal, every protocol still serves.
  afterEach(async () => {
    for (const check of healthChecks) await check();
  });

  const json = (body: string, contentType = "application/json") => ({
    method: "POST",
    headers: { "content-type": contentType, authorization: `Bearer ${token}`, "connect-protocol-version": "1" },
    body,
  });

  describe("Connect protocol", () => {
    it("malformed JSON is 400 invalid_argument", async () => {
      const res = await raw(`${emulator.url}${RPC}/InitiatePortabilityArchive`, json('{"resources": ['));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ code: "invalid_argument" });
    });

    it("an unknown field is 400 invalid_argument naming it", async () => {
      const res = await raw(`${emulator.url}${RPC}/InitiatePortabilityArchive`, json('{"resources":["myactivity.search"],"bogus":1}'));
      expect(res.status).toBe(400);
      const body = JSON.parse(res.text) as { code: string; message: string };
      expect(body.code).toBe("invalid_argument");
      expect(body.message).toContain("bogus");
    });

    it("a bad escape in a JSON string is 400 invalid_argument", async () => {
      const res = await raw(`${emulator.url}${RPC}/InitiatePortabilityArchive`, json('{"resources":["\\x41"]}'));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ code: "invalid_argument" });
    });

    it("a wrong content type is 415", async () => {
      const res = await raw(`${emulator.url}${RPC}/CheckAccessType`, json("{}", "text/plain"));
      expect(res.status).toBe(415);
    });

    it("an oversized body is 413 with a message naming the limit", async () => {
      const body = JSON.stringify({ resources: ["x".repeat(LIMIT * 2)] });
      const res = await raw(`${emulator.url}${RPC}/InitiatePortabilityArchive`, json(body));
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text)).toEqual({
        code: "resource_exhausted",
        message: `request body of ${body.length} bytes exceeds the limit of ${LIMIT} bytes`,
      });
    });
  });

  describe("gRPC and gRPC-web", () => {
    it("an oversized request message is RESOURCE_EXHAUSTED", async () => {
      for (const protocol of ["grpc", "grpc-web"] as const) {
        const client = createEmulatorClient(protocol, emulator.url, { auth: token });
        const error = await expectCode(client.initiatePortabilityArchive({ resources: ["x".repeat(LIMIT * 2)] }), Code.ResourceExhausted);
        expect(error.rawMessage, protocol).toMatch(/limit|readMaxBytes/);
      }
    });
  });

  describe("REST", () => {
    const rest = (path: string, init: RequestInit) => raw(`${emulator.url}${path}`, init);

    it("malformed JSON is 400 INVALID_ARGUMENT in Google's envelope", async () => {
      const res = await rest("/v1/portabilityArchive:initiate", json('{"resources": '));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
    });

    it("an unknown field is 400 naming it", async () => {
      const res = await rest("/v1/portabilityArchive:initiate", json('{"resources":["myactivity.search"],"bogus":true}'));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text).error.message).toContain("bogus");
    });

    it("a bad percent escape in the path is 400", async () => {
      const res = await rest("/v1/archiveJobs/%ZZ/portabilityArchiveState", { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ error: { status: "INVALID_ARGUMENT" } });
    });

    it("a wrong content type is 415", async () => {
      const res = await rest("/v1/accessType:check", json("{}", "text/plain"));
      expect(res.status).toBe(415);
    });

    it("an oversized body is 413", async () => {
      const res = await rest("/v1/portabilityArchive:initiate", json(JSON.stringify({ resources: ["x".repeat(LIMIT * 2)] })));
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 413 } });
    });

    it("reset accepts {} and an empty body, and rejects unknown fields", async () => {
      const tokens = await Promise.all(
        [1, 2].map(async () => (await emulator.consent({ user: newUser(), resources: ["play.installs"] })).accessToken),
      );
      const reset = (accessToken: string, body: string | undefined) =>
        rest("/v1/authorization:reset", {
          method: "POST",
          headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          body,
        });
      const unknown = await reset(tokens[0]!, '{"force":true}');
      expect(unknown.status).toBe(400);
      expect(JSON.parse(unknown.text).error.message).toContain("force");
      const withBody = await reset(tokens[0]!, "{}");
      expect(withBody.status).toBe(200);
      expect(JSON.parse(withBody.text)).toEqual({});
      const empty = await reset(tokens[1]!, undefined);
      expect(empty.status).toBe(200);
    });

    it("errors carry ErrorInfo as details[0] in the envelope; cancel of a finished job is 400", async () => {
      const own = (await emulator.consent({ user: newUser(), resources: ["shopping.reviews"] })).accessToken;
      const call = (path: string, body = "{}") =>
        rest(path, { method: "POST", headers: { authorization: `Bearer ${own}`, "content-type": "application/json" }, body });
      const first = JSON.parse((await call("/v1/portabilityArchive:initiate", '{"resources":["shopping.reviews"]}')).text);
      const conflict = await call("/v1/portabilityArchive:initiate", '{"resources":["shopping.reviews"]}');
      expect(conflict.status).toBe(409);
      expect(JSON.parse(conflict.text)).toEqual({
        error: {
          code: 409,
          message: `An identical archive job is already in progress: ${first.archiveJobId}.`,
          status: "ALREADY_EXISTS",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.ErrorInfo",
              reason: "ALREADY_EXISTS_ONE_TIME",
              domain: "dataportability.googleapis.com",
              metadata: { job_id: first.archiveJobId },
            },
          ],
        },
      });
      emulator.clock.advance(emulator.settings().jobDurationMs);
      const exhausted = JSON.parse((await call("/v1/portabilityArchive:initiate", '{"resources":["shopping.reviews"]}')).text);
      expect(exhausted.error).toMatchObject({ code: 429, status: "RESOURCE_EXHAUSTED" });
      expect(exhausted.error.details[0]).toMatchObject({
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "RESOURCE_EXHAUSTED_ONE_TIME",
        metadata: { previous_job_ids: first.archiveJobId },
      });
      const cancel = await call(`/v1/archiveJobs/${first.archiveJobId}:cancel`);
      expect(cancel.status).toBe(400);
      expect(JSON.parse(cancel.text).error.status).toBe("FAILED_PRECONDITION");
    });
  });

  describe("OAuth, admin and unknown routes", () => {
    it("/token refuses a wrong content type (415), an oversized body (413) and malformed JSON (400)", async () => {
      const wrongType = await raw(emulator.tokenUrl, { method: "POST", headers: { "content-type": "text/plain" }, body: "grant_type=x" });
      expect(wrongType.status).toBe(415);
      expect(JSON.parse(wrongType.text).error).toBe("invalid_request");
      const big = await raw(emulator.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `refresh_token=${"a".repeat(LIMIT * 2)}`,
      });
      expect(big.status).toBe(413);
      const malformed = await raw(emulator.tokenUrl, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
      expect(malformed.status).toBe(400);
      const badEscape = await raw(emulator.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=refresh_token&refresh_token=%ZZ&client_id=%E0%A4%A",
      });
      expect(badEscape.status).toBe(401);
      expect(JSON.parse(badEscape.text).error).toBe("invalid_client");
    });

    it("admin routes refuse malformed JSON, unknown fields, wrong content types and oversized bodies", async () => {
      const post = (path: string, body: string, contentType = "application/json") =>
        raw(`${emulator.url}/emulator/v1/${path}`, { method: "POST", headers: { "content-type": contentType }, body });
      const malformed = await post("clock:advance", '{"ms": }');
      expect(malformed.status).toBe(400);
      expect(JSON.parse(malformed.text).error.message).toContain("invalid JSON body");
      const unknown = await post("clock:advance", '{"ms": 1, "seconds": 2}');
      expect(unknown.status).toBe(400);
      expect(JSON.parse(unknown.text).error.message).toBe('unknown field "seconds"');
      expect((await post("clock:advance", '{"ms": 1}', "text/plain")).status).toBe(415);
      expect((await post("consent", JSON.stringify({ resources: ["x".repeat(LIMIT * 2)] }))).status).toBe(413);
      const badValue = await post("clock:advance", '{"ms": -5}');
      expect(badValue.status).toBe(400);
      expect(JSON.parse(badValue.text).error.message).toContain("-5");
    });

    it("an unknown path is 404 JSON", async () => {
      const res = await raw(`${emulator.url}/nothing/here`);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 404, status: "NOT_FOUND" } });
      const method = await raw(`${emulator.url}${RPC}/NoSuchMethod`, json("{}"));
      expect(method.status).toBe(404);
    });
  });
});
