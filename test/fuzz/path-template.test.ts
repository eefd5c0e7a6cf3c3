/**
 * Hostile templates for the HttpRule path-template parser: any string, and
 * strings built from the grammar's own tokens (which reach deep into the
 * parser). The parser returns a consistent template or throws a
 * ConnectError (INVALID_ARGUMENT) — never another exception — and runs in
 * linear time on long adversarial inputs.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePathTemplate, type PathTemplate } from "../../src/rest/index.js";
import { allowStressTime, hostileString, runs } from "./support/arbitraries.js";
import { expectLinear } from "./support/linearity.js";

allowStressTime();

const TOKENS = ["/", "{", "}", "=", "*", "**", ":", ".", "a", "b1", "_x", "v1", "%2F", "%2f", "%", "%z", "-", "~", "verb", "}/", "/{"];
const tokenTemplate = fc.array(fc.constantFrom(...TOKENS), { maxLength: 16 }).map((parts) => parts.join(""));
const anyTemplate = fc.oneof(tokenTemplate, tokenTemplate.map((t) => "/" + t), hostileString(32), fc.string({ unit: "binary" }));

/** Parses, returning the template or the thrown value. */
function attempt(source: string): PathTemplate | unknown {
  try {
    return parsePathTemplate(source);
  } catch (e) {
    return e;
  }
}

function expectConsistent(template: PathTemplate, source: string): void {
  expect(template.source).toBe(source);
  expect(source.startsWith("/")).toBe(true);
  expect(template.verb === undefined || template.verb.length > 0).toBe(true);
  let previousEnd = 0;
  for (const variable of template.variables) {
    expect(variable.fieldPath.length).toBeGreaterThan(0);
    expect(variable.start).toBeGreaterThanOrEqual(previousEnd);
    expect(variable.end).toBeGreaterThan(variable.start);
    expect(variable.end).toBeLessThanOrEqual(template.segments.length);
    previousEnd = variable.end;
  }
  for (const segment of template.segments) {
    if (segment.kind === "literal") expect(segment.value).toMatch(/^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})+$/);
  }
}

describe("path template parser, hostile input", () => {
  it("returns a consistent template or throws a ConnectError (INVALID_ARGUMENT)", () => {
    fc.assert(
      fc.property(anyTemplate, (source) => {
        const result = attempt(source);
        if (result instanceof ConnectError) {
          expect(result.code).toBe(Code.InvalidArgument);
          expect(result.rawMessage.length).toBeLessThan(400);
          return;
        }
        expect(result, `a non-ConnectError escaped for ${JSON.stringify(source)}`).not.toBeInstanceOf(Error);
        expectConsistent(result as PathTemplate, source);
      }),
      { numRuns: runs(2_000) },
    );
  });

  it("parses the same text to the same template (deterministic, no hidden state)", () => {
    fc.assert(
      fc.property(tokenTemplate.map((t) => "/" + t), (source) => {
        const first = attempt(source);
        const second = attempt(source);
        if (first instanceof ConnectError) expect((second as ConnectError).rawMessage).toBe(first.rawMessage);
        else expect(second).toEqual(first);
      }),
      { numRuns: runs(500) },
    );
  });

  it.each([
    ["many literal segments", (n: number) => "/" + "abc/".repeat(n) + "x"],
    ["a long field path", (n: number) => "/{" + "a.".repeat(n) + "b}"],
    ["many escapes", (n: number) => "/" + "%2F".repeat(n)],
    ["a long verb", (n: number) => "/a:" + "v".repeat(n)],
    ["colons before the verb", (n: number) => "/a" + ":b".repeat(n)],
    ["many variables", (n: number) => "/" + Array.from({ length: n }, (_, i) => `{f${i}}`).join("/")],
    ["an unclosed variable", (n: number) => "/{a=" + "b/".repeat(n)],
    ["segments after **", (n: number) => "/**" + "/x".repeat(n) + "/*"],
  ])("runs in linear time on %s", (label, make) => {
    expectLinear(label, 500, make, (source) => void attempt(source));
  });
});
