import { describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  dataPortabilityErrorOf,
  DebugInfoSchema,
  errorInfoOf,
  ErrorInfoSchema,
  isAlreadyExists,
  isDataPortabilityQuotaError,
  isNotAuthorized,
  isOneTimeExhausted,
  isTimeBasedCooldown,
} from "../../src/index.js";

const DOMAIN = "dataportability.googleapis.com";

function apiError(code: Code, message: string, reason?: string, metadata: Record<string, string> = {}, domain = DOMAIN) {
  return new ConnectError(
    message,
    code,
    undefined,
    reason === undefined ? [] : [{ desc: ErrorInfoSchema, value: { reason, domain, metadata } }],
  );
}

/** The same error as it arrives off the wire: details as type name + bytes. */
function fromWire(code: Code, message: string, reason: string, metadata: Record<string, string>) {
  const err = new ConnectError(message, code);
  err.details.push({
    type: ErrorInfoSchema.typeName,
    value: toBinary(ErrorInfoSchema, create(ErrorInfoSchema, { reason, domain: DOMAIN, metadata })),
  });
  return err;
}

describe("dataPortabilityErrorOf", () => {
  it("one-time exhaustion with previous job ids", () => {
    for (const err of [
      apiError(Code.ResourceExhausted, "already exported", "RESOURCE_EXHAUSTED_ONE_TIME", { previous_job_ids: "11, 22,,33" }),
      fromWire(Code.ResourceExhausted, "already exported", "RESOURCE_EXHAUSTED_ONE_TIME", { previous_job_ids: "11, 22,,33" }),
    ]) {
      const e = dataPortabilityErrorOf(err);
      expect(isOneTimeExhausted(e)).toBe(true);
      expect(e).toMatchObject({ kind: "one-time-exhausted", previousJobIds: ["11", "22", "33"], code: Code.ResourceExhausted, error: err });
      expect(isDataPortabilityQuotaError(err)).toBe(true);
    }
    expect(dataPortabilityErrorOf(apiError(Code.ResourceExhausted, "x", "RESOURCE_EXHAUSTED_ONE_TIME"))).toMatchObject({
      previousJobIds: [],
    });
  });

  it("time-based cooldown: RESOURCE_EXHAUSTED and FAILED_PRECONDITION, timestamp from metadata or message", () => {
    const msg = "Requested resources were exported less than 24 hours ago. A new export can be initiated after 2025-05-01T12:34:56Z.";
    const a = dataPortabilityErrorOf(
      apiError(Code.ResourceExhausted, msg, "RESOURCE_EXHAUSTED_TIME_BASED", {
        previous_job_ids: "7",
        timestamp_after_24hrs: "2025-05-02T00:00:00.5+02:00",
      }),
    );
    expect(isTimeBasedCooldown(a)).toBe(true);
    if (!isTimeBasedCooldown(a)) return;
    expect(a.availableAt?.toISOString()).toBe("2025-05-01T22:00:00.500Z");
    expect(a.previousJobIds).toEqual(["7"]);

    const b = dataPortabilityErrorOf(apiError(Code.FailedPrecondition, msg, "RESOURCE_EXHAUSTED_TIME_BASED", { previous_job_ids: "7" }));
    expect(b).toMatchObject({ kind: "time-based-cooldown", code: Code.FailedPrecondition });
    expect(isTimeBasedCooldown(b) && b.availableAt?.toISOString()).toBe("2025-05-01T12:34:56.000Z");

    // No ErrorInfo at all: the message alone identifies the documented variant.
    const c = dataPortabilityErrorOf(new ConnectError(msg, Code.FailedPrecondition));
    expect(c).toMatchObject({ kind: "time-based-cooldown", reason: "", previousJobIds: [] });
    expect(isDataPortabilityQuotaError(new ConnectError(msg, Code.FailedPrecondition))).toBe(true);

    // A garbled timestamp gives no date rather than a wrong one.
    const d = dataPortabilityErrorOf(
      apiError(Code.ResourceExhausted, "cooldown", "RESOURCE_EXHAUSTED_TIME_BASED", { timestamp_after_24hrs: "tomorrow" }),
    );
    expect(isTimeBasedCooldown(d) && d.availableAt).toBeUndefined();
  });

  it("already exists with the running job id and access type", () => {
    const e = dataPortabilityErrorOf(apiError(Code.AlreadyExists, "identical job", "ALREADY_EXISTS_TIME_BASED", { job_id: "123" }));
    expect(isAlreadyExists(e)).toBe(true);
    expect(e).toMatchObject({ kind: "already-exists", jobId: "123", accessType: "time-based" });
    const one = dataPortabilityErrorOf(apiError(Code.AlreadyExists, "identical job", "ALREADY_EXISTS_ONE_TIME", {}));
    expect(one).toMatchObject({ jobId: undefined, accessType: "one-time" });
    expect(isDataPortabilityQuotaError(apiError(Code.AlreadyExists, "x", "ALREADY_EXISTS_ONE_TIME"))).toBe(false);
  });

  it("missing scope and resources not authorized", () => {
    const scope = dataPortabilityErrorOf(
      apiError(Code.PermissionDenied, "Request had insufficient authentication scopes.", "ACCESS_TOKEN_SCOPE_INSUFFICIENT", {}, "googleapis.com"),
    );
    expect(scope?.kind).toBe("missing-scope");
    expect(isNotAuthorized(scope)).toBe(true);
    const res = dataPortabilityErrorOf(
      new ConnectError("The requested resources are not authorized by the OAuth token.", Code.PermissionDenied, undefined, [
        { desc: DebugInfoSchema, value: { detail: "[ORIGINAL ERROR] generic::permission_denied" } },
      ]),
    );
    expect(res?.kind).toBe("resources-not-authorized");
    expect(isNotAuthorized(res)).toBe(true);
  });

  it("anything else is undefined", () => {
    const others: unknown[] = [
      new ConnectError("Archive job 1 is COMPLETE; only an IN_PROGRESS job can be cancelled.", Code.FailedPrecondition),
      new ConnectError("backend", Code.Unavailable),
      apiError(Code.ResourceExhausted, "Quota exceeded for quota metric 'Requests'", "RATE_LIMIT_EXCEEDED", {}, "googleapis.com"),
      apiError(Code.PermissionDenied, "API not enabled", "SERVICE_DISABLED", {}, "googleapis.com"),
      apiError(Code.AlreadyExists, "x", "SOMETHING_ELSE"),
      new Error("RESOURCE_EXHAUSTED_ONE_TIME"),
      { code: Code.ResourceExhausted, details: [] },
      undefined,
      "RESOURCE_EXHAUSTED",
    ];
    for (const err of others) {
      expect(dataPortabilityErrorOf(err), String(err)).toBeUndefined();
      expect(isDataPortabilityQuotaError(err)).toBe(false);
    }
    expect(isOneTimeExhausted(undefined)).toBe(false);
  });

  it("prefers the ErrorInfo of the API's domain and caches per error", () => {
    const err = new ConnectError("x", Code.ResourceExhausted, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "OTHER", domain: "googleapis.com" } },
      { desc: ErrorInfoSchema, value: { reason: "RESOURCE_EXHAUSTED_ONE_TIME", domain: DOMAIN } },
    ]);
    expect(errorInfoOf(err)?.reason).toBe("RESOURCE_EXHAUSTED_ONE_TIME");
    expect(dataPortabilityErrorOf(err)).toBe(dataPortabilityErrorOf(err));
    expect(errorInfoOf(new Error("x"))).toBeUndefined();
  });
});
