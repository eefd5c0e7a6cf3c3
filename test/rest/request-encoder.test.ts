import { describe, expect, it } from "vitest";
import { create, type DescMethod, type Message } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ResetAuthorizationRequestSchema, DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { encodeRestRequest } from "../../src/index.js";
import { conformanceMethod } from "../support/conformance.js";
import { testService, type MethodSpec } from "./support/descriptors.js";

type Init = Record<string, unknown>;

function method(rule: MethodSpec["rule"]): DescMethod {
  return testService([{ name: "M", rule }]).methods[0]!;
}

function encode(m: DescMethod, init: Init, options?: Parameters<typeof encodeRestRequest>[2]) {
  return encodeRestRequest(m, create(m.input, init as never) as Message, options);
}

function refusal(m: DescMethod, init: Init): ConnectError {
  try {
    encode(m, init);
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectError);
    expect((e as ConnectError).code).toBe(Code.InvalidArgument);
    return e as ConnectError;
  }
  throw new Error("encoded");
}

describe("encodeRestRequest", () => {
  it("encodes the empty reset request to a fixed path and body", () => {
    const m = DataPortabilityService.method.resetAuthorization;
    const out = encodeRestRequest(m, create(ResetAuthorizationRequestSchema));
    expect(out).toMatchObject({ httpMethod: "POST", path: "/v1/authorization:reset", body: "{}" });
  });

  it("walks nested query fields depth-first with full dotted prefixes", () => {
    const m = method({ pattern: { case: "get", value: "/v1/things" } });
    const out = encode(m, {
      name: "n",
      inner: { value: "a", deep: { value: "b", deep: { value: "c" } } },
      count: 3,
      tags: ["x y", "z"],
      ts: timestampFromDate(new Date("2024-05-06T07:08:09.5Z")),
    });
    expect(out.path).toBe(
      "/v1/things?name=n&tags=x%20y&tags=z&inner.value=a&inner.deep.value=b&inner.deep.deep.value=c&ts=2024-05-06T07%3A08%3A09.500Z&count=3",
    );
    expect(out.body).toBeUndefined();
  });

  it("refuses maps, repeated messages and Struct in the query, naming the field", () => {
    const m = method({ pattern: { case: "get", value: "/v1/things" } });
    expect(refusal(m, { labels: { a: "b" } }).rawMessage).toContain("test.rest.v1.Req.labels");
    expect(refusal(m, { items: [{ value: "v" }] }).rawMessage).toContain("test.rest.v1.Req.items");
    expect(refusal(m, { data: { fields: {} } }).rawMessage).toContain("google.protobuf.Struct");
    // Unpopulated ones are fine.
    expect(encode(m, { labels: {}, items: [] }).path).toBe("/v1/things");
  });

  it("renders a Timestamp path variable in its JSON form", () => {
    const m = method({ pattern: { case: "get", value: "/v1/at/{ts}" } });
    expect(encode(m, { ts: timestampFromDate(new Date("2021-01-01T00:00:00Z")) }).path).toBe("/v1/at/2021-01-01T00%3A00%3A00Z");
    expect(refusal(m, {}).rawMessage).toContain('"ts"');
  });

  it("body '*' strips path-bound leaves, and parents they leave empty", () => {
    const m = method({ pattern: { case: "post", value: "/v1/{inner.value}/{inner.deep.value}" }, body: "*" });
    const out = encode(m, { inner: { value: "a", deep: { value: "b" } }, count: 2 });
    expect(out.path).toBe("/v1/a/b");
    expect(JSON.parse(out.body!)).toEqual({ count: 2 });
    const withName = encode(m, { inner: { value: "a", deep: { value: "b", deep: { value: "c" } } } }, { useProtoFieldName: true });
    expect(JSON.parse(withName.body!)).toEqual({ inner: { deep: { deep: { value: "c" } } } });
  });

  it("sends a scalar or repeated body field as a JSON scalar or array, default values included", () => {
    const scalar = method({ pattern: { case: "post", value: "/v1/x" }, body: "count" });
    expect(encode(scalar, { count: 5, name: "q" })).toMatchObject({ body: "5", path: "/v1/x?name=q" });
    expect(encode(scalar, {}).body).toBe("0");
    const list = method({ pattern: { case: "post", value: "/v1/x" }, body: "tags" });
    expect(encode(list, {}).body).toBe("[]");
    const message = method({ pattern: { case: "post", value: "/v1/x" }, body: "inner" });
    expect(encode(message, {}).body).toBe("{}");
  });

  it("selects bindings strictly, then falls back to the primary with '/' escaped", () => {
    const single = method({ pattern: { case: "get", value: "/v1/{name}" } });
    expect(encode(single, { name: "a/b" }).path).toBe("/v1/a%2Fb");
    const multi = method({
      pattern: { case: "get", value: "/v1/{name}" },
      additionalBindings: [{ pattern: { case: "get", value: "/v2/{name=**}" } }],
    });
    expect(encode(multi, { name: "a/b" }).path).toBe("/v2/a/b");
    expect(encode(multi, { name: "a" }).path).toBe("/v1/a");
  });

  it("expands '**' with a constant tail and refuses '.'/'..' pieces", () => {
    const m = method({ pattern: { case: "get", value: "/v1/{name=o/**/.ext}/tail" } });
    expect(encode(m, { name: "o/a b/c/.ext" }).path).toBe("/v1/o/a%20b/c/.ext/tail");
    expect(encode(m, { name: "o/.ext" }).path).toBe("/v1/o/.ext/tail");
    expect(refusal(m, { name: "o/../.ext" }).rawMessage).toContain('".."');
    expect(refusal(m, { name: "o/a//.ext" }).rawMessage).toContain("empty");
    expect(refusal(m, { name: "o/a/.txt" }).rawMessage).toContain("does not fit");
  });

  it("expands an unbound '**' to nothing and refuses an unbound '*'", () => {
    expect(encode(method({ pattern: { case: "get", value: "/v1/**" } }), {}).path).toBe("/v1");
    const star = method({ pattern: { case: "get", value: "/v1/*/x" } });
    expect(refusal(star, {}).rawMessage).toContain("bound to no field");
  });

  it("renders bytes as padded base64url and enums by name (or number when unknown)", () => {
    const m = conformanceMethod("GetQuery");
    const out = encode(m, { bytesValue: new Uint8Array([0xfb, 0xff]), enumValue: 2 });
    expect(out.path).toBe("/v2/q?bytesValue=-_8%3D&enumValue=TEST_ENUM_OTHER");
    expect(encode(m, { enumValue: 42 }).path).toBe("/v2/q?enumValue=42");
    expect(encode(m, { boolValue: true, uint64Value: 18446744073709551615n, doubleValue: -Infinity }).path).toBe(
      "/v2/q?doubleValue=-Infinity&boolValue=true&uint64Value=18446744073709551615",
    );
    expect(encode(m, { fieldMask: { paths: ["a.b_c", "d"] } }).path).toBe("/v2/q?fieldMask=a.bC%2Cd");
    expect(encode(m, { doubleValue: -0, doubleList: [-0, 0.5] }).path).toBe("/v2/q?doubleValue=-0&doubleList=-0&doubleList=0.5");
  });

  it("names the method and the path field in refusals", () => {
    const err = refusal(conformanceMethod("GetBook"), { name: "shelves/1" });
    expect(err.rawMessage).toContain("conformance.transcoding.v1.TranscodingService.GetBook");
    expect(err.rawMessage).toContain('"name"');
    expect(err.rawMessage).toContain("{name=shelves/*/books/*}");
  });
});
