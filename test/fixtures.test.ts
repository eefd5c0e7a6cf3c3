import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURE_KIT, SHARED_KIT } from "./support/conformance.js";

// The repo carries copies of the shared conformance kit so that a clone
// without ../shared stays green. Where ../shared exists, report drift.
// (vitest still runs a skipped describe's body to collect it, so the listing
// must not touch ../shared when it is absent.)
const sharedPresent = existsSync(SHARED_KIT);
describe.skipIf(!sharedPresent)("fixture copies match ../shared", () => {
  const files = sharedPresent
    ? [
        ...readdirSync(resolve(SHARED_KIT, "vectors"))
          .filter((f) => f.endsWith(".json"))
          .map((f) => `vectors/${f}`),
        "proto/conformance/transcoding/v1/transcoding.proto",
      ]
    : [];
  for (const file of files) {
    it(file, () => {
      expect(readFileSync(resolve(FIXTURE_KIT, file), "utf8")).toBe(readFileSync(resolve(SHARED_KIT, file), "utf8"));
    });
  }
});

describe("fixture copies are present", () => {
  it("has all four vector files", () => {
    for (const f of ["template-parse.json", "client-encode.json", "server-match.json", "error-decode.json"]) {
      expect(existsSync(resolve(FIXTURE_KIT, "vectors", f)), f).toBe(true);
    }
  });
});
