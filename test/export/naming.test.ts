import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fileNameFromUrl, redactUrl, sanitizeFileName } from "../../src/export/index.js";

describe("sanitizeFileName", () => {
  it("keeps ordinary archive names", () => {
    expect(sanitizeFileName("takeout-20250101T000000Z-001.zip")).toBe("takeout-20250101T000000Z-001.zip");
    expect(sanitizeFileName("Meine Aktivität.zip")).toBe("Meine Aktivität.zip");
  });

  it("removes separators, traversal, hidden names, control and reserved characters", () => {
    expect(sanitizeFileName("..")).toBe("");
    expect(sanitizeFileName(".")).toBe("");
    expect(sanitizeFileName("../../etc/passwd")).toBe("_.._etc_passwd");
    expect(sanitizeFileName("..\\..\\boot.ini")).toBe("_.._boot.ini");
    expect(sanitizeFileName(".bashrc")).toBe("bashrc");
    expect(sanitizeFileName("a\u0000b\nc.zip")).toBe("a_b_c.zip");
    expect(sanitizeFileName('x<y>z:"|?*.zip')).toBe("x_y_z_____.zip");
    expect(sanitizeFileName("trailing. . ")).toBe("trailing");
    expect(sanitizeFileName("CON")).toBe("_CON");
    expect(sanitizeFileName("lpt1.zip")).toBe("_lpt1.zip");
    expect(sanitizeFileName("///")).toBe("");
  });

  it("caps the length at 200 UTF-8 bytes and keeps the extension", () => {
    const name = sanitizeFileName(`${"é".repeat(300)}.zip`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
    expect(name.endsWith(".zip")).toBe(true);
  });

  it("never yields a name that escapes the folder (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (input) => {
        const name = sanitizeFileName(input);
        expect(name).not.toMatch(/[/\\\u0000]/);
        expect(name.startsWith(".")).toBe(false);
        expect(sanitizeFileName(name)).toBe(name); // idempotent
      }),
    );
  });
});

describe("fileNameFromUrl", () => {
  it("uses the decoded last path segment", () => {
    expect(fileNameFromUrl("https://storage.example/archives/123/takeout%20one.zip?Signature=x", "f.zip")).toBe(
      "takeout one.zip",
    );
  });

  it("cannot be steered out of the folder by encoded separators", () => {
    expect(fileNameFromUrl("https://h/a/..%2F..%2Fx.zip", "f.zip")).toBe("x.zip");
    expect(fileNameFromUrl("https://h/a/..%5cx.zip", "f.zip")).toBe("x.zip");
    expect(fileNameFromUrl("https://h/a/%2e%2e", "f.zip")).toBe("f.zip");
    expect(fileNameFromUrl("https://h/dir/", "f.zip")).toBe("f.zip");
    expect(fileNameFromUrl("https://h/%E0%A4%A", "f.zip")).toBe("%E0%A4%A");
    expect(fileNameFromUrl("not a url", "f.zip")).toBe("f.zip");
  });
});

describe("redactUrl", () => {
  it("drops the query string, fragment and user info", () => {
    expect(redactUrl("https://u:p@storage.example:8443/a/b.zip?X-Goog-Signature=abc&X-Goog-Credential=c#f")).toBe(
      "https://storage.example:8443/a/b.zip?<redacted>",
    );
    expect(redactUrl("https://storage.example/a/b.zip")).toBe("https://storage.example/a/b.zip");
    expect(redactUrl("garbage?token=secret")).toBe("garbage?<redacted>");
  });
});
