/**
 * Hostile requests for the server side of transcoding: the route matcher
 * (any raw path, any HTTP method) and the request decoder (path variables,
 * query string, JSON body, content type) of the REST handler, over the
 * Data Portability routes the emulator serves and the conformance service.
 * They return a match / a message or throw a ConnectError — never another
 * exception — in linear time; and the server reads back exactly the
 * resource name the client encoded.
 */
import { equals, type DescMethod, type DescService, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { compileBindings, encodeRestRequest, type RestRequest } from "../../src/rest/index.js";
import { decodeRequest, type RestRoute } from "../../src/rest/server/rest-route.js";
import type { RouteMatch, RouteTable } from "../../src/rest/server/route-table.js";
import { TranscodingService } from "../support/conformance.js";
import { allowStressTime, anyBytes, anyMessage, hostileString, runs } from "./support/arbitraries.js";
import { routeTable, serverView } from "./support/routes.js";
import { expectLinear } from "./support/linearity.js";

allowStressTime();

/** A path segment an attacker controls: escapes, dots, unicode, but no separator. */
const piece = fc.oneof(
  hostileString(8).map((s) => s.replaceAll("/", "")),
  fc.constantFrom("1", "..", ".", "%2e%2e", "%2F", "%", "%zz", "%C3", "a:retry", ""),
);

/** Requests that reach a route: the method and template of a binding, with hostile values in its wildcards. */
function routedRequest(service: DescService): fc.Arbitrary<{ method: string; path: string }> {
  const shapes: { method: string; segments: readonly { kind: string; value?: string }[]; verb: string | undefined }[] = [];
  for (const method of service.methods) {
    try {
      for (const { binding } of compileBindings(method)) {
        shapes.push({ method: binding.httpMethod, segments: binding.template.segments, verb: binding.template.verb });
      }
    } catch {
      // deliberately invalid rules of the conformance service
    }
  }
  return fc.constantFrom(...shapes).chain((shape) =>
    fc
      .tuple(...shape.segments.map((segment) =>
        segment.kind === "literal"
          ? fc.constant(segment.value!)
          : segment.kind === "star"
            ? piece
            : fc.array(piece, { maxLength: 3 }).map((parts) => parts.join("/")),
      ))
      .map((parts) => ({ method: shape.method, path: "/" + parts.join("/") + (shape.verb === undefined ? "" : ":" + shape.verb) })),
  );
}

const TABLES = [
  ["Data Portability", routeTable(DataPortabilityService), routedRequest(DataPortabilityService)],
  ["conformance", routeTable(TranscodingService), routedRequest(TranscodingService)],
] as const;


const HTTP_METHODS = fc.constantFrom("GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS", "get", "");
const PATH_TOKENS = [
  "/", "v1", "v2", "archiveJobs", "1", "portabilityArchiveState", ":retry", ":cancel", ":", "authorization:reset",
  "accessType:check", "portabilityArchive:initiate", "shelves", "books", "q", "names", "projects", "%2F", "%2f",
  "%2E%2E", "..", ".", "%", "%zz", "%C3%A9", "%C3", "%00", "+", "*", "?", "#", ";", "//",
];
const tokenPath = fc.array(fc.constantFrom(...PATH_TOKENS), { maxLength: 12 }).map((parts) => "/" + parts.join(""));
const anyPath = fc.oneof(tokenPath, hostileString(24), hostileString(24).map((s) => "/" + s));
const QUERY_TOKENS = ["&", "=", "name", "resources", "stringValue", "doubleList", "nested.text", "%", "%zz", "+", "%2B", "access_token", "alt", "json", "1e999", "NaN", "-0", "\u00e9", ".", ".."];
const anyQuery = fc.oneof(
  fc.array(fc.constantFrom(...QUERY_TOKENS), { maxLength: 12 }).map((parts) => parts.join("")),
  hostileString(24),
);
const anyBody = fc.oneof(
  anyBytes,
  fc.jsonValue({ maxDepth: 3 }).map((v) => new TextEncoder().encode(JSON.stringify(v))),
  fc.constantFrom("", "{}", "[]", "null", '{"name":"x","name":"y"}', '{"__proto__":{"a":1}}', "\ufeff{}").map((s) => new TextEncoder().encode(s)),
);
const anyContentType = fc.oneof(
  fc.constant(null),
  fc.constantFrom("application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "text/plain", 'application/json; charset="utf-8"', ""),
  hostileString(12),
);

function match(table: RouteTable<RestRoute>, method: string, path: string): RouteMatch<RestRoute> | unknown {
  try {
    return table.match(method, path);
  } catch (e) {
    return e;
  }
}

function decode(found: RouteMatch<RestRoute> & { kind: "found" }, query: string, body: Uint8Array, contentType: string | null): Message | unknown {
  try {
    return decodeRequest(found.target, found.segments, query, body, contentType);
  } catch (e) {
    return e;
  }
}

describe.each(TABLES)("%s routes, hostile requests", (_name, table, routed) => {
  it("match returns a result or throws a ConnectError (INVALID_ARGUMENT)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(HTTP_METHODS, anyPath), routed.map((r) => [r.method, r.path] as const)), ([method, path]) => {
        const result = match(table, method, path);
        if (result instanceof ConnectError) {
          expect(result.code).toBe(Code.InvalidArgument);
          return;
        }
        expect(result, `a non-ConnectError escaped for ${JSON.stringify(path)}`).not.toBeInstanceOf(Error);
        expect(["found", "notFound", "methodNotAllowed"]).toContain((result as RouteMatch<RestRoute>).kind);
      }),
      { numRuns: runs(2_000) },
    );
  });

  it("decoding path, query and body gives a message or throws a ConnectError", () => {
    let decoded = 0;
    fc.assert(
      fc.property(routed, anyQuery, anyBody, anyContentType, ({ method, path }, query, body, contentType) => {
        const found = match(table, method, path);
        if (found instanceof Error || (found as RouteMatch<RestRoute>).kind !== "found") return;
        const result = decode(found as RouteMatch<RestRoute> & { kind: "found" }, query, body, contentType);
        if (result instanceof ConnectError) return;
        expect(result, `a non-ConnectError escaped: ${String(result)}`).not.toBeInstanceOf(Error);
        decoded++;
      }),
      { numRuns: runs(3_000) },
    );
    expect(decoded, "some requests decode (the property reaches the decoder)").toBeGreaterThan(0);
  });
});

describe("the server reads the resource name the client encoded", () => {
  const table = TABLES[0][1];
  const methods: DescMethod[] = DataPortabilityService.methods.filter((m) => m.input.fields.some((f) => f.name === "name"));

  it.each(methods.map((m) => [m.name, m] as const))("%s", (_name, method) => {
    fc.assert(
      fc.property(anyMessage(method.input), (message) => {
        let request: RestRequest;
        try {
          request = encodeRestRequest(method, message as Message);
        } catch (e) {
          expect(e).toBeInstanceOf(ConnectError);
          return;
        }
        const seen = serverView(table, request.httpMethod, request.path, request.body);
        expect(seen?.method, request.path).toBe(method);
        const decoded = seen!.message;
        expect(equals(method.input, decoded as never, message as never), request.path).toBe(true);
      }),
      { numRuns: runs(300) },
    );
  });
});

describe("server-side decoding, linear time", () => {
  const table = TABLES[0][1];
  const conformance = TABLES[1][1];
  const getQuery = conformance.match("GET", "/v2/q") as RouteMatch<RestRoute> & { kind: "found" };

  it.each([
    ["colons in the last segment", (n: number) => "/v1/archiveJobs/" + "a:".repeat(n) + "b"],
    ["escaped colons in the last segment", (n: number) => "/v1/archiveJobs/" + "%41:".repeat(n) + "retry"],
    ["repeated verbs", (n: number) => "/v1/archiveJobs/x" + ":retry".repeat(n)],
    ["many segments", (n: number) => "/v1/" + "a/".repeat(n) + "portabilityArchiveState"],
    ["many escapes", (n: number) => "/v1/archiveJobs/" + "%2F%e9".repeat(n) + "/portabilityArchiveState"],
    ["a malformed escape at the end", (n: number) => "/v1/archiveJobs/" + "%41".repeat(n) + "%4"],
  ])("match on %s", (label, make) => {
    expectLinear(label, 500, make, (path) => void match(table, "POST", path));
  });

  it.each([
    ["many pairs", (n: number) => "doubleList=1&".repeat(n)],
    ["one long value of escapes", (n: number) => "stringValue=" + "%C3%A9%2B+".repeat(n)],
    ["a long dotted key", (n: number) => "nested." + "a.".repeat(n) + "=1"],
    ["many unknown keys", (n: number) => "x=1&".repeat(n)],
    ["system parameters", (n: number) => "alt=json&".repeat(n)],
  ])("query decoding on %s", (label, make) => {
    expectLinear(label, 200, make, (query) => void decode(getQuery, query, new Uint8Array(0), null));
  });
});
