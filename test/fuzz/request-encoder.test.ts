/**
 * Hostile messages for the REST request encoder: any value in every field
 * of every method of the Data Portability service and of the transcoding
 * conformance service (lone surrogates, '/', '%2e%2e', '?', '#', CR/LF,
 * NaN, out-of-range timestamps, unknown enum numbers, …). The encoder
 * returns a request that cannot escape its template, or throws a
 * ConnectError — never another exception — in linear time.
 */
import { create, fromJson, type DescMethod, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { compileBindings, encodeRestRequest, type RestRequest } from "../../src/rest/index.js";
import { TranscodingService } from "../support/conformance.js";
import { allowStressTime, anyMessage, hostileString, runs } from "./support/arbitraries.js";
import { expectLinear } from "./support/linearity.js";

allowStressTime();

/** Unary methods with usable bindings. */
function encodable(methods: readonly DescMethod[]): DescMethod[] {
  return methods.filter((method) => {
    if (method.methodKind !== "unary") return false;
    try {
      return compileBindings(method).length > 0;
    } catch {
      return false;
    }
  });
}

const METHODS = [...encodable(DataPortabilityService.methods), ...encodable(TranscodingService.methods)];

/** What may appear in an encoded path and query: unreserved, escapes, separators. */
const WIRE_CHARS = /^[A-Za-z0-9\-._~%/:?&=]*$/;

function encode(method: DescMethod, message: Message): RestRequest | unknown {
  try {
    return encodeRestRequest(method, message);
  } catch (e) {
    return e;
  }
}

/** The invariants of an encoded request that keep it inside its template. */
function expectContained(request: RestRequest, label: string): void {
  const { path } = request;
  expect(path.startsWith("/"), label).toBe(true);
  expect(path, label).toMatch(WIRE_CHARS);
  expect(path.indexOf("?"), label).toBe(path.lastIndexOf("?"));
  expect(path.replace(/%[0-9A-F]{2}/g, ""), `${label}: every % starts an upper-case escape`).not.toContain("%");
  // WHATWG URL (what fetch and proxies apply) must not rewrite it: no dot
  // segments, nothing that normalises away.
  const url = new URL("http://127.0.0.1" + path);
  expect(url.pathname + url.search, label).toBe(path);
  if (request.body !== undefined) expect(() => JSON.parse(request.body!), label).not.toThrow();
}

describe.each(METHODS.map((m) => [`${m.parent.name}.${m.name}`, m] as const))("request encoder, hostile %s", (_name, method) => {
  it("encodes a contained request or throws a ConnectError", () => {
    fc.assert(
      fc.property(anyMessage(method.input), (message) => {
        const result = encode(method, message as Message);
        if (result instanceof ConnectError) {
          expect([Code.InvalidArgument, Code.Unimplemented], result.message).toContain(result.code);
          return;
        }
        expect(result, `a non-ConnectError escaped: ${String(result)}`).not.toBeInstanceOf(Error);
        expectContained(result as RestRequest, method.name);
      }),
      { numRuns: runs(150) },
    );
  });
});

describe("request encoder, resource names that try to leave their template", () => {
  const getState = DataPortabilityService.method.getPortabilityArchiveState;
  const retry = DataPortabilityService.method.retryPortabilityArchive;
  const prefix = fc.constantFrom("archiveJobs/", "archiveJobs/1/", "", "archiveJobs/../", "archiveJobs/%2e%2e/");

  it("never produces a path outside /v1/archiveJobs/<one segment>/…", () => {
    fc.assert(
      fc.property(prefix, hostileString(16), fc.constantFrom("", "/portabilityArchiveState", ":retry"), (p, middle, suffix) => {
        const name = p + middle + suffix;
        for (const method of [getState, retry]) {
          const result = encode(method, create(method.input, { name }));
          if (result instanceof ConnectError) {
            expect(result.code).toBe(Code.InvalidArgument);
            continue;
          }
          expect(result).not.toBeInstanceOf(Error);
          const request = result as RestRequest;
          expectContained(request, name);
          const pathname = new URL("http://127.0.0.1" + request.path).pathname;
          const expected = method === getState
            ? /^\/v1\/archiveJobs\/[^/]+\/portabilityArchiveState$/
            : /^\/v1\/archiveJobs\/[^/]+:retry$/;
          expect(pathname, name).toMatch(expected);
          const job = pathname.split("/")[3]!.replace(/:retry$/, "");
          expect(decodeURIComponent(job), name).not.toMatch(/^\.{1,2}$/);
        }
      }),
      { numRuns: runs(1_000) },
    );
  });
});

describe("request encoder, linear time", () => {
  const getState = DataPortabilityService.method.getPortabilityArchiveState;
  const initiate = DataPortabilityService.method.initiatePortabilityArchive;
  const query = TranscodingService.methods.find((m) => m.name === "GetQuery")!;

  it.each([
    ["a long job id", (n: number) => create(getState.input, { name: `archiveJobs/${"a".repeat(n)}/portabilityArchiveState` })],
    ["a job id of escapes", (n: number) => create(getState.input, { name: `archiveJobs/${"/?#%\u00e9".repeat(n)}/portabilityArchiveState` })],
    ["a name of many segments", (n: number) => create(getState.input, { name: "archiveJobs/" + "a/".repeat(n) })],
    ["many resources", (n: number) => create(initiate.input, { resources: Array.from({ length: n }, (_, i) => `r${i}`) })],
    [
      "many repeated query values",
      (n: number) => fromJson(query.input, { doubleList: Array.from({ length: n }, (_, i) => i + 0.5) }),
    ],
  ] as const)("on %s", (label, make) => {
    const method = label === "many resources" ? initiate : label === "many repeated query values" ? query : getState;
    expectLinear(label, 500, make, (message) => void encode(method, message as Message));
  });
});
