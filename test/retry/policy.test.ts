import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { errors as undiciErrors } from "undici";
import {
  computeBackoffMs,
  createRetryPolicyResolver,
  DATA_PORTABILITY_RETRY_DEFAULTS,
  DataPortabilityService,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  requestNotSent,
  RetryInfoSchema,
  retryInfoDelayMs,
  serverRetryDelayMs,
} from "../../src/index.js";

const m = DataPortabilityService.method;

describe("computeBackoffMs", () => {
  it("stays within [base × (1 − jitter), base], base = min(max, initial × mult^(n−1))", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (initialBackoffMs, maxBackoffMs, backoffMultiplier, jitter, retry, r) => {
          const policy = { initialBackoffMs, maxBackoffMs, backoffMultiplier, jitter };
          const base = Math.min(maxBackoffMs, initialBackoffMs * backoffMultiplier ** (retry - 1));
          const d = computeBackoffMs(policy, retry, () => r);
          expect(d).toBeLessThanOrEqual(base + 1e-9);
          expect(d).toBeGreaterThanOrEqual(base * (1 - jitter) - 1e-9);
          expect(d).toBeLessThanOrEqual(maxBackoffMs + 1e-9);
        },
      ),
    );
  });

  it("default policy: 250, 500, 1000, … capped at 16 s, jitter spreads down to half", () => {
    const p = DEFAULT_RETRY_POLICY;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => computeBackoffMs(p, n, () => 0))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 16000,
    ]);
    expect(computeBackoffMs(p, 20, () => 0)).toBe(16000);
    expect(computeBackoffMs(p, 1, () => 0.999999)).toBeCloseTo(125, 3);
    // Math.random draws really spread over the interval.
    const draws = Array.from({ length: 2000 }, () => computeBackoffMs(p, 3, Math.random));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...draws)).toBeLessThanOrEqual(1000);
    expect(Math.max(...draws) - Math.min(...draws)).toBeGreaterThan(300);
  });
});

describe("server-requested delays", () => {
  const now = Date.parse("2025-05-01T12:00:00Z");
  it("parses Retry-After seconds and HTTP dates", () => {
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("1.5", now)).toBe(1500);
    expect(parseRetryAfter("Thu, 01 May 2025 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Thu, 01 May 2025 11:00:00 GMT", now)).toBe(0);
    for (const bad of [null, undefined, "", "-1", "soon", "1e3", "2025-05-01"]) {
      expect(parseRetryAfter(bad, now), String(bad)).toBeUndefined();
    }
  });

  it("reads RetryInfo and takes the longer of both", () => {
    const err = new ConnectError("busy", Code.Unavailable, { "retry-after": "2" }, [
      { desc: RetryInfoSchema, value: { retryDelay: { seconds: 3n, nanos: 500_000_000 } } },
    ]);
    expect(retryInfoDelayMs(err)).toBe(3500);
    expect(serverRetryDelayMs(err, now)).toBe(3500);
    const headerOnly = new ConnectError("busy", Code.Unavailable, { "retry-after": "9" });
    expect(serverRetryDelayMs(headerOnly, now)).toBe(9000);
    expect(serverRetryDelayMs(new ConnectError("busy", Code.Unavailable), now)).toBeUndefined();
    // Details as they arrive off the wire (type + bytes) decode too.
    const wire = new ConnectError("busy", Code.Unavailable);
    wire.details.push({
      type: RetryInfoSchema.typeName,
      value: new Uint8Array([10, 2, 8, 4]), // retry_delay { seconds: 4 }
    });
    expect(retryInfoDelayMs(wire)).toBe(4000);
    expect(create(RetryInfoSchema).retryDelay).toBeUndefined();
  });
});

describe("requestNotSent", () => {
  it("walks cause chains and AggregateErrors for ECONNREFUSED", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    expect(requestNotSent(refused)).toBe(true);
    expect(requestNotSent(new ConnectError("x", Code.Unavailable, undefined, undefined, refused))).toBe(true);
    const fetchLike = new TypeError("fetch failed", { cause: refused });
    expect(requestNotSent(new ConnectError("x", Code.Unavailable, undefined, undefined, fetchLike))).toBe(true);
    expect(requestNotSent(new AggregateError([new Error("a"), refused]))).toBe(true);
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(requestNotSent(new ConnectError("x", Code.Unavailable, undefined, undefined, reset))).toBe(false);
    expect(requestNotSent(new ConnectError("503", Code.Unavailable))).toBe(false);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(requestNotSent(loop)).toBe(false);
    expect(requestNotSent(undefined)).toBe(false);
  });

  it("counts undici's connect timeout as not sent, not its other socket errors", () => {
    const timeout = new undiciErrors.ConnectTimeoutError();
    expect(requestNotSent(new ConnectError("x", Code.Unavailable, undefined, undefined, timeout))).toBe(true);
    const closed = new undiciErrors.SocketError("other side closed");
    expect(requestNotSent(new ConnectError("x", Code.Unavailable, undefined, undefined, closed))).toBe(false);
  });
});

describe("per-method policies", () => {
  it("the defaults table", () => {
    const resolve = createRetryPolicyResolver();
    const row = (method: (typeof DataPortabilityService.methods)[number]) => {
      const p = resolve(method);
      return p && { codes: [...p.retryableCodes].sort(), idempotent: p.idempotent, maxAttempts: p.maxAttempts };
    };
    expect(row(m.getPortabilityArchiveState)).toEqual({
      codes: [Code.DeadlineExceeded, Code.Unavailable].sort(),
      idempotent: true,
      maxAttempts: 5,
    });
    expect(row(m.checkAccessType)).toEqual({ codes: [Code.Unavailable], idempotent: true, maxAttempts: 5 });
    expect(row(m.cancelPortabilityArchive)).toEqual({ codes: [Code.Unavailable], idempotent: true, maxAttempts: 5 });
    for (const method of [m.initiatePortabilityArchive, m.retryPortabilityArchive, m.resetAuthorization]) {
      expect(row(method), method.name).toEqual({ codes: [Code.Unavailable], idempotent: false, maxAttempts: 5 });
    }
    expect(Object.keys(DATA_PORTABILITY_RETRY_DEFAULTS).sort()).toEqual(
      DataPortabilityService.methods.map((x) => x.name).sort(),
    );
  });

  it("overrides: global fields, per method, false, and maxAttempts 1", () => {
    const resolve = createRetryPolicyResolver({
      maxAttempts: 3,
      methods: { CheckAccessType: false, CancelPortabilityArchive: { maxAttempts: 1 }, GetPortabilityArchiveState: { initialBackoffMs: 5 } },
    });
    expect(resolve(m.checkAccessType)).toBeUndefined();
    expect(resolve(m.cancelPortabilityArchive)).toBeUndefined();
    expect(resolve(m.getPortabilityArchiveState)).toMatchObject({ maxAttempts: 3, initialBackoffMs: 5, idempotent: true });
    expect(resolve(m.initiatePortabilityArchive)).toMatchObject({ maxAttempts: 3, idempotent: false });
    expect(resolve(m.getPortabilityArchiveState)).toBe(resolve(m.getPortabilityArchiveState)); // cached
  });

  it("rejects bad values with INVALID_ARGUMENT naming the field", () => {
    const bad: [object, string][] = [
      [{ maxAttempts: 1.5 }, "retry.maxAttempts"],
      [{ jitter: 2 }, "retry.jitter"],
      [{ backoffMultiplier: 0.5 }, "retry.backoffMultiplier"],
      [{ initialBackoffMs: Number.NaN }, "retry.initialBackoffMs"],
      [{ retryableCodes: "UNAVAILABLE" }, "retry.retryableCodes"],
      [{ methods: { ResetAuthorization: { idempotent: "yes" } } }, "retry.methods.ResetAuthorization.idempotent"],
    ];
    for (const [options, field] of bad) {
      let err: unknown;
      try {
        createRetryPolicyResolver(options as never);
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).code).toBe(Code.InvalidArgument);
      expect((err as ConnectError).rawMessage).toContain(field);
    }
  });
});
