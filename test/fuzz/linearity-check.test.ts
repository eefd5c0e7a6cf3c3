/**
 * The linear-time check used by the fuzz suites tells linear from quadratic
 * work (so a passing check means something).
 */
import { describe, expect, it } from "vitest";
import { expectLinear } from "./support/linearity.js";

describe("expectLinear", () => {
  it("accepts linear work", () => {
    expectLinear("split and join", 2_000, (n) => "a/".repeat(n), (s) => void s.split("/").join("-"));
  });

  it("rejects quadratic work (a backtracking trailing-slash regex)", () => {
    expect(() =>
      expectLinear("/\\/+$/", 500, (n) => "/".repeat(n) + "x", (s) => void s.replace(/\/+$/, "")),
    ).toThrow(/time grows like size\^/);
  });
});
