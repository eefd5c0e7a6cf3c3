import { describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import {
  codeFromHttpStatus,
  codeFromStatusName,
  httpStatusFromCode,
  statusNameFromCode,
} from "../../src/index.js";

describe("codeFromHttpStatus (Google client-library table)", () => {
  it.each([
    [400, Code.InvalidArgument],
    [401, Code.Unauthenticated],
    [403, Code.PermissionDenied],
    [404, Code.NotFound],
    [409, Code.Aborted],
    [416, Code.OutOfRange],
    [429, Code.ResourceExhausted],
    [499, Code.Canceled],
    [501, Code.Unimplemented],
    [503, Code.Unavailable],
    [504, Code.DeadlineExceeded],
    [402, Code.FailedPrecondition],
    [418, Code.FailedPrecondition],
    [500, Code.Internal],
    [502, Code.Internal],
    [599, Code.Internal],
    [302, Code.Unknown],
    [600, Code.Unknown],
  ])("%i → %s", (status, code) => {
    expect(codeFromHttpStatus(status)).toBe(code);
  });
});

describe("httpStatusFromCode (canonical table)", () => {
  it.each([
    [Code.Canceled, 499],
    [Code.Unknown, 500],
    [Code.InvalidArgument, 400],
    [Code.DeadlineExceeded, 504],
    [Code.NotFound, 404],
    [Code.AlreadyExists, 409],
    [Code.PermissionDenied, 403],
    [Code.ResourceExhausted, 429],
    [Code.FailedPrecondition, 400],
    [Code.Aborted, 409],
    [Code.OutOfRange, 400],
    [Code.Unimplemented, 501],
    [Code.Internal, 500],
    [Code.Unavailable, 503],
    [Code.DataLoss, 500],
    [Code.Unauthenticated, 401],
  ])("%s → %i", (code, status) => {
    expect(httpStatusFromCode(code)).toBe(status);
  });

  it("maps an out-of-range code to 500", () => {
    expect(httpStatusFromCode(99 as Code)).toBe(500);
  });
});

describe("status names", () => {
  it("round-trip every code through its google.rpc.Code name", () => {
    for (let code = 1; code <= 16; code++) {
      expect(codeFromStatusName(statusNameFromCode(code as Code))).toBe(code);
    }
    expect(statusNameFromCode(Code.Canceled)).toBe("CANCELLED");
    expect(statusNameFromCode(Code.ResourceExhausted)).toBe("RESOURCE_EXHAUSTED");
    expect(codeFromStatusName("OK")).toBeUndefined();
    expect(codeFromStatusName("NOPE")).toBeUndefined();
  });
});
