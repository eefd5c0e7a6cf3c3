import { describe, expect, it } from "vitest";
import { createRegistry, toJson } from "@bufbuild/protobuf";
import { DurationSchema, file_google_protobuf_duration } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "../../gen/google/rpc/error_details_pb.js";
import { errorFromJsonBody, errorToJsonBody } from "../../src/index.js";
import { testService } from "./support/descriptors.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const json = (body: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(body));

describe("errorFromJsonBody", () => {
  it("summarises an HTML page: title only, no tags, bounded length", () => {
    const page = `<html><head><title>Error 502 (Server Error)!!1</title></head><body>${"<p>x</p>".repeat(10_000)}</body></html>`;
    const err = errorFromJsonBody(502, new Headers({ "content-type": "text/html" }), utf8(page));
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toBe("HTTP 502: Error 502 (Server Error)!!1");
  });

  it("truncates a long plain-text body and strips tags", () => {
    const err = errorFromJsonBody(400, new Headers(), utf8(`<b>bad</b> ${"y".repeat(5000)}`));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage.startsWith("HTTP 400: bad yyy")).toBe(true);
    expect(err.rawMessage.length).toBeLessThanOrEqual(140);
  });

  it("uses a JSON object's message when there is no status, and survives truncated JSON", () => {
    expect(errorFromJsonBody(403, new Headers(), utf8('{"message":"forbidden"}')).rawMessage).toBe("forbidden");
    const truncated = errorFromJsonBody(503, new Headers(), utf8('{"error":{"code":503,"mess'));
    expect(truncated.code).toBe(Code.Unavailable);
    expect(truncated.rawMessage).toContain("HTTP 503");
  });

  it("does not read a bare status with non-array details, or code 0, as a gRPC status", () => {
    expect(errorFromJsonBody(404, new Headers(), utf8('{"code":3,"details":{}}')).code).toBe(Code.NotFound);
    expect(errorFromJsonBody(429, new Headers(), utf8('{"code":0,"message":"m"}')).code).toBe(Code.ResourceExhausted);
  });

  it("keeps details of every registered type, also from an extra registry, and drops broken ones", () => {
    const body = {
      error: {
        code: 400,
        message: "m",
        status: "INVALID_ARGUMENT",
        details: [
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1.5s" },
          { "@type": "type.googleapis.com/google.protobuf.Duration", value: "2s" },
          { "@type": "type.googleapis.com/test.rest.v1.Inner", value: "custom" },
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: 42 },
          { noType: true },
          "not an object",
        ],
      },
    };
    const inner = testService([]).file.messages.find((m) => m.name === "Inner")!;
    const registry = createRegistry(file_google_protobuf_duration, inner);
    const err = errorFromJsonBody(400, new Headers(), utf8(JSON.stringify(body)), { registry });
    expect(err.findDetails(RetryInfoSchema)[0]!.retryDelay?.seconds).toBe(1n);
    expect(toJson(DurationSchema, err.findDetails(DurationSchema)[0]!)).toBe("2s");
    expect(err.findDetails(inner).map((m) => toJson(inner, m))).toEqual([{ value: "custom" }]);
    expect(err.findDetails(ErrorInfoSchema)).toEqual([]);
    expect(err.details).toHaveLength(3);
  });
});

describe("errorToJsonBody", () => {
  it("writes Google's envelope with the HTTP status, the status name and Any details", () => {
    const err = new ConnectError("quota exceeded", Code.ResourceExhausted, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "RATE_LIMIT_EXCEEDED", domain: "googleapis.com", metadata: { a: "b" } } },
      { desc: DurationSchema, value: { seconds: 3n } },
    ]);
    const out = errorToJsonBody(err);
    expect(out.status).toBe(429);
    expect(json(out.body)).toEqual({
      error: {
        code: 429,
        message: "quota exceeded",
        status: "RESOURCE_EXHAUSTED",
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "RATE_LIMIT_EXCEEDED",
            domain: "googleapis.com",
            metadata: { a: "b" },
          },
          { "@type": "type.googleapis.com/google.protobuf.Duration", value: "3s" },
        ],
      },
    });
  });

  it("round-trips through errorFromJsonBody, incoming details included", () => {
    const first = errorFromJsonBody(
      400,
      new Headers(),
      utf8(
        JSON.stringify({
          error: {
            code: 400,
            message: "bad",
            status: "FAILED_PRECONDITION",
            details: [
              { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "f", description: "d" }] },
            ],
          },
        }),
      ),
    );
    const out = errorToJsonBody(first);
    expect(out.status).toBe(400);
    const again = errorFromJsonBody(out.status, new Headers(), out.body);
    expect(again.code).toBe(Code.FailedPrecondition);
    expect(again.rawMessage).toBe("bad");
    expect(again.findDetails(BadRequestSchema)[0]!.fieldViolations[0]!.field).toBe("f");
  });

  it("omits details when there are none and maps Canceled to 499 CANCELLED", () => {
    const out = errorToJsonBody(new ConnectError("gone", Code.Canceled));
    expect(out.status).toBe(499);
    expect(json(out.body)).toEqual({ error: { code: 499, message: "gone", status: "CANCELLED" } });
  });
});
