import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  NEWER_RESOURCE_GROUPS,
  RESOURCE_GROUPS,
  SCOPES,
  SEED_RESOURCE_GROUPS,
  SEED_SCOPES,
  resourceForScope,
  scopeForResource,
} from "../src/index.js";

const fixture = resolve(import.meta.dirname, "fixtures/seed/000_75d1d3727121d556.txt");
const shared = resolve(import.meta.dirname, "../../shared/seeds/000_75d1d3727121d556.txt");

function scopesOf(text: string): string[] {
  return [...text.matchAll(/https:\/\/www\.googleapis\.com\/auth\/dataportability\.[a-z_.]+/g)].map(
    (m) => m[0],
  );
}

describe("scopes", () => {
  const seedScopes = scopesOf(readFileSync(fixture, "utf8"));

  it("the seed lists 63 distinct scopes", () => {
    expect(new Set(seedScopes).size).toBe(63);
  });

  it("every seed scope is exported, in the seed's order", () => {
    for (const scope of seedScopes) expect(SCOPES).toContain(scope);
    expect([...SEED_SCOPES]).toEqual(seedScopes);
    expect(SEED_RESOURCE_GROUPS).toHaveLength(63);
  });

  it("maps resource groups and scopes both ways", () => {
    expect(scopeForResource("myactivity.search")).toBe(
      "https://www.googleapis.com/auth/dataportability.myactivity.search",
    );
    expect(resourceForScope("https://www.googleapis.com/auth/dataportability.myactivity.search")).toBe(
      "myactivity.search",
    );
    for (const group of RESOURCE_GROUPS) expect(resourceForScope(scopeForResource(group))).toBe(group);
    expect(resourceForScope("https://www.googleapis.com/auth/userinfo.email")).toBeUndefined();
    expect(resourceForScope("https://www.googleapis.com/auth/dataportability.no.such")).toBeUndefined();
  });

  it("rejects unknown groups with InvalidArgument naming the value", () => {
    try {
      scopeForResource("myactivity.nope");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConnectError);
      expect((e as ConnectError).code).toBe(Code.InvalidArgument);
      expect((e as ConnectError).message).toContain("myactivity.nope");
    }
  });

  it("newer groups are not in the seed and not duplicated", () => {
    for (const g of NEWER_RESOURCE_GROUPS) expect(SEED_RESOURCE_GROUPS as readonly string[]).not.toContain(g);
    expect(new Set(RESOURCE_GROUPS).size).toBe(RESOURCE_GROUPS.length);
  });

  it.skipIf(!existsSync(shared))("the fixture copy matches ../shared (drift check)", () => {
    expect(scopesOf(readFileSync(shared, "utf8"))).toEqual(seedScopes);
  });
});
