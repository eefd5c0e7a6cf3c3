import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { compileBinding, compileBindings, getHttpBindings } from "../../src/index.js";
import { conformanceMethod } from "../support/conformance.js";
import { testService, type MethodSpec } from "./support/descriptors.js";

function method(spec: Omit<MethodSpec, "name">) {
  return testService([{ name: "M", ...spec }]).methods[0]!;
}

function thrown(fn: () => unknown): ConnectError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectError);
    return e as ConnectError;
  }
  throw new Error("did not throw");
}

describe("getHttpBindings", () => {
  it("reads the primary rule then additional_bindings in order, once per method", () => {
    const m = conformanceMethod("SupportedLanguages");
    const bindings = getHttpBindings(m);
    expect(bindings.map((b) => [b.index, b.httpMethod, b.pathText, b.body])).toEqual([
      [0, "GET", "/v3/{parent=projects/*/locations/*}/supportedLanguages", ""],
      [1, "GET", "/v3/{parent=projects/*}/supportedLanguages", ""],
      [2, "POST", "/v3/{parent=post1/*}/supportedLanguages", "*"],
      [3, "POST", "/v3/{parent=post2/*}/supportedLanguages", "field"],
      [4, "GET", "/v3/{parent=get/*}/{field=*}/supportedLanguages", ""],
      [5, "GET", "/v3/{parent=projects/*}/{field=fields/*}/{path=**}/supportedLanguages", ""],
      [6, "POST", "/v3/a/{snake_case_first=*}", "snake_case_body"],
      [7, "POST", "/v3/b/{snake_case_second=*}", "*"],
    ]);
    expect(getHttpBindings(m)).toBe(bindings);
    expect(bindings[4]!.template.variables.map((v) => v.fieldPath.join("."))).toEqual(["parent", "field"]);
  });

  it("reads the Data Portability reset rule", () => {
    const [binding] = getHttpBindings(DataPortabilityService.method.resetAuthorization);
    expect(binding).toMatchObject({ httpMethod: "POST", pathText: "/v1/authorization:reset", body: "*", responseBody: "" });
    expect(binding!.template.verb).toBe("reset");
  });

  it("keeps response_body and custom kinds as written", () => {
    expect(getHttpBindings(conformanceMethod("ListCheckouts"))[0]!.responseBody).toBe("checkouts");
    const custom = method({ rule: { pattern: { case: "custom", value: { kind: "LIST", path: "/v1/things" } } } });
    expect(getHttpBindings(custom)[0]!.httpMethod).toBe("LIST");
  });

  it("returns [] for a method without annotation", () => {
    expect(getHttpBindings(method({}))).toEqual([]);
  });

  it("rejects nested additional_bindings, a missing pattern and a bad template, naming the method", () => {
    const nested = method({
      rule: {
        pattern: { case: "get", value: "/v1/a" },
        additionalBindings: [
          { pattern: { case: "get", value: "/v1/b" }, additionalBindings: [{ pattern: { case: "get", value: "/v1/c" } }] },
        ],
      },
    });
    const err = thrown(() => getHttpBindings(nested));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("test.rest.v1.TestService.M");
    expect(err.rawMessage).toContain("nests additional_bindings");
    expect(thrown(() => getHttpBindings(method({ rule: { body: "*" } }))).rawMessage).toContain("no HTTP method");
    const bad = thrown(() => getHttpBindings(method({ rule: { pattern: { case: "get", value: "/v1/{x" } } })));
    expect(bad.rawMessage).toContain('invalid path template "/v1/{x"');
  });
});

describe("compileBinding", () => {
  it("resolves nested field paths to descriptors and the body and response_body fields", () => {
    const m = conformanceMethod("UpdateBook");
    const compiled = compileBinding(m, getHttpBindings(m)[0]!);
    expect(compiled.variables[0]!.fields.map((f) => f.name)).toEqual(["book", "name"]);
    expect(compiled.bodyField?.name).toBe("book");
    expect(compiled.responseBodyField).toBeUndefined();
    const list = conformanceMethod("ListCheckouts");
    expect(compileBindings(list)[0]!.responseBodyField?.name).toBe("checkouts");
    expect(compileBindings(list)[0]).toBe(compileBindings(list)[0]);
  });

  it("accepts scalar-like well-known types as leaves", () => {
    const m = method({ rule: { pattern: { case: "get", value: "/v1/{ts}" } } });
    expect(compileBindings(m)[0]!.variables[0]!.fields[0]!.name).toBe("ts");
  });

  it.each([
    ["/v1/{missing}", 'has no field "missing"'],
    ["/v1/{tags}", "repeated field"],
    ["/v1/{labels}", "map field"],
    ["/v1/{inner}", "has no scalar form"],
    ["/v1/{data}", "has no scalar form"],
    ["/v1/{name.x}", "is not a message"],
    ["/v1/{items.value}", "repeated field"],
    ["/v1/{inner.nope}", 'test.rest.v1.Inner has no field "nope"'],
  ])("rejects %s (%s)", (path, why) => {
    const m = method({ rule: { pattern: { case: "get", value: path } } });
    const err = thrown(() => compileBindings(m));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("test.rest.v1.TestService.M");
    expect(err.rawMessage).toContain(why);
  });

  it("rejects a body or response_body that is not a top-level field", () => {
    const body = method({ rule: { pattern: { case: "post", value: "/v1/x" }, body: "inner.value" } });
    expect(thrown(() => compileBindings(body)).rawMessage).toContain('body "inner.value" is not a top-level field');
    const out = method({ rule: { pattern: { case: "get", value: "/v1/x" }, responseBody: "nope" } });
    expect(thrown(() => compileBindings(out)).rawMessage).toContain('response_body "nope"');
  });
});
