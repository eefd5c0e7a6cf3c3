import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { parsePathTemplate } from "../../src/index.js";

function parseError(template: string): ConnectError {
  try {
    parsePathTemplate(template);
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectError);
    return e as ConnectError;
  }
  throw new Error(`"${template}" was accepted`);
}

describe("parsePathTemplate", () => {
  it("expands variables into their sub-template segments with [start, end) ranges", () => {
    const t = parsePathTemplate("/v1/{parent=projects/*}/{name}/x/{rest=**}:do");
    expect(t.segments).toEqual([
      { kind: "literal", value: "v1" },
      { kind: "literal", value: "projects" },
      { kind: "star" },
      { kind: "star" },
      { kind: "literal", value: "x" },
      { kind: "doubleStar" },
    ]);
    expect(t.variables).toEqual([
      { fieldPath: ["parent"], start: 1, end: 3, multiSegment: true },
      { fieldPath: ["name"], start: 3, end: 4, multiSegment: false },
      { fieldPath: ["rest"], start: 5, end: 6, multiSegment: true },
    ]);
    expect(t.verb).toBe("do");
  });

  it("splits dotted field paths and takes the verb after the first ':' outside braces", () => {
    const t = parsePathTemplate("/v1/{a.b_c.D9}:bla:baa");
    expect(t.variables[0]!.fieldPath).toEqual(["a", "b_c", "D9"]);
    expect(t.verb).toBe("bla:baa");
    expect(parsePathTemplate("/v1/{name=*}").variables[0]!.multiSegment).toBe(false);
  });

  it("keeps literals as written with %XX normalised to upper-case hex", () => {
    const t = parsePathTemplate("/a%2fb/c-d.e_f~g:v%3a");
    expect(t.segments).toEqual([
      { kind: "literal", value: "a%2Fb" },
      { kind: "literal", value: "c-d.e_f~g" },
    ]);
    expect(t.verb).toBe("v%3A");
  });

  it("allows only literal segments after '**', inside and after a variable", () => {
    expect(parsePathTemplate("/{name=o/**/.ext}/tail").segments.at(-1)).toEqual({ kind: "literal", value: "tail" });
    expect(parseError("/{x=**}/{y}").rawMessage).toContain("only literal segments may follow '**'");
    expect(parseError("/{x=a/**/*}").rawMessage).toContain("only literal segments may follow '**'");
  });

  it("names the template and the position in errors", () => {
    const err = parseError("/v1/{name}/{name}");
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe('invalid path template "/v1/{name}/{name}": field path "name" is bound twice at position 11');
    expect(parseError("/v1/a b").rawMessage).toContain("at position 5");
  });

  it.each([
    "/v1/{name",
    "/v1/{name=a",
    "/v1/{name=a:b}",
    "/v1/{a..b}",
    "/v1/{a.}",
    "/v1/a%zz",
    "/v1/a%2",
    "/",
    "/:verb",
    "/v1/{name}/",
    "/v1/**x",
    "/v1/x**",
    "/v1/{=x}",
    "/v1/{na-me}",
    "/v1/a?b",
    "/v1/a#b",
  ])("rejects %s", (template) => {
    expect(parseError(template).code).toBe(Code.InvalidArgument);
  });

  it("parses a very long template in one pass", () => {
    const long = "/" + Array.from({ length: 20_000 }, (_, i) => `s${i}`).join("/") + ":v";
    const t = parsePathTemplate(long);
    expect(t.segments).toHaveLength(20_000);
    const bad = "/" + "a/".repeat(50_000) + "{";
    expect(parseError(bad).rawMessage.length).toBeLessThan(400);
  });
});
