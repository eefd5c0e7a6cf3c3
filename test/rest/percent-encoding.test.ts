import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  encodePathSegment,
  encodePathSegments,
  encodeQueryComponent,
  percentDecode,
} from "../../src/index.js";

describe("encoding", () => {
  it("keeps only A-Z a-z 0-9 - . _ ~ and escapes everything else as upper-case %XX of UTF-8", () => {
    expect(encodePathSegment("aZ09-._~")).toBe("aZ09-._~");
    expect(encodePathSegment("a/b c!*'()")).toBe("a%2Fb%20c%21%2A%27%28%29");
    expect(encodePathSegment("%2F:@?#[]+=&$,;")).toBe("%252F%3A%40%3F%23%5B%5D%2B%3D%26%24%2C%3B");
    expect(encodePathSegment("é世😀")).toBe("%C3%A9%E4%B8%96%F0%9F%98%80");
    expect(encodePathSegment("\r\n\t\0")).toBe("%0D%0A%09%00");
  });

  it("encodes a lone surrogate as U+FFFD like TextEncoder", () => {
    expect(encodePathSegment("a\uD800b")).toBe("a%EF%BF%BDb");
    expect(encodePathSegment("\uDC00")).toBe("%EF%BF%BD");
  });

  it("keeps '/' only in multi-segment values; queries escape it", () => {
    expect(encodePathSegments("books/a b/%2F")).toBe("books/a%20b/%252F");
    expect(encodeQueryComponent("a b+c/d=")).toBe("a%20b%2Bc%2Fd%3D");
  });

  it("agrees with encodeURIComponent plus !*'() for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        const reference = encodeURIComponent(s).replace(
          /[!*'()]/g,
          (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
        );
        expect(encodePathSegment(s)).toBe(reference);
      }),
    );
  });
});

describe("percentDecode", () => {
  it("round-trips every encoded string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        expect(percentDecode(encodePathSegment(s))).toBe(s);
        expect(percentDecode(encodePathSegments(s))).toBe(s);
      }),
    );
  });

  it("decodes lower- and upper-case hex; '+' stays a plus unless plusAsSpace", () => {
    expect(percentDecode("a%2fb%2Fc+d")).toBe("a/b/c+d");
    expect(percentDecode("a+b%2B", { plusAsSpace: true })).toBe("a b+");
    expect(percentDecode("a+b", { plusAsSpace: true })).toBe("a b");
  });

  it("keeps %2F encoded (upper-case) for multi-segment captures", () => {
    expect(percentDecode("a%2fb%20c%2F", { keepEncodedSlash: true })).toBe("a%2Fb c%2F");
  });

  it.each(["%", "%2", "a%zz", "%G0", "%C3", "%C3%28", "%FF"])("rejects the malformed %s", (text) => {
    let error: unknown;
    try {
      percentDecode(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
  });
});
