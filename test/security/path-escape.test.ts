/**
 * Resource names that try to leave their path template
 * (`archiveJobs/../authorization:reset`, `%2e%2e`, `?`, `#`, CR/LF, …):
 * over REST each one with an empty, `.` or `..` segment, a `%`, `?`, `#` or
 * a control character is refused before anything is sent; the others (a
 * space, `:`, non-ASCII) are encoded so that what reaches a capturing
 * server decodes (with the server's own routes) to the same RPC and the
 * same name. Against the emulator, over every
 * protocol, none of them reaches ResetAuthorization.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import {
  DATA_PORTABILITY_PROTOCOLS,
  createDataPortabilityClient,
  resourceNameProblem,
  type DataPortabilityClient,
  type DataPortabilityProtocol,
} from "../../src/index.js";
import { routeTable, serverView } from "../fuzz/support/routes.js";
import { startCaptureServer, type CaptureServer } from "./support/capture.js";

const HOSTILE_NAMES = [
  "archiveJobs/../authorization:reset",
  "archiveJobs/..",
  "archiveJobs/.",
  "archiveJobs/%2e%2e",
  "archiveJobs/%2E%2E/portabilityArchiveState",
  "archiveJobs/..%2F..%2Fauthorization:reset",
  "archiveJobs/1/../../authorization:reset",
  "archiveJobs/1?alt=media",
  "archiveJobs/1#fragment",
  "archiveJobs/1\r\nX-Injected: yes",
  "archiveJobs/1\nGET /v1/authorization:reset HTTP/1.1",
  "archiveJobs/ ",
  "archiveJobs/\u0000",
  "archiveJobs/\u00e9\ud800",
  "../authorization:reset",
  "archiveJobs/1:reset",
  "archiveJobs//portabilityArchiveState",
];

type NameMethod = "getPortabilityArchiveState" | "retryPortabilityArchive" | "cancelPortabilityArchive";

/** The name in the form each method takes: the state name or the job name. */
function asArgument(method: NameMethod, name: string): string {
  return method === "getPortabilityArchiveState" && !name.endsWith("/portabilityArchiveState") ? `${name}/portabilityArchiveState` : name;
}

const CALLS: readonly NameMethod[] = ["getPortabilityArchiveState", "retryPortabilityArchive", "cancelPortabilityArchive"];
const RPC_NAMES: Record<NameMethod, string> = {
  getPortabilityArchiveState: "GetPortabilityArchiveState",
  retryPortabilityArchive: "RetryPortabilityArchive",
  cancelPortabilityArchive: "CancelPortabilityArchive",
};

function asUtf8(text: string): string {
  return new TextDecoder().decode(new TextEncoder().encode(text));
}

async function outcome(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => "ok",
    (e: unknown) => e,
  );
}

describe("REST: hostile resource names against a capturing server", () => {
  let capture: CaptureServer;
  let client: DataPortabilityClient;
  const table = routeTable(DataPortabilityService);

  beforeAll(async () => {
    capture = await startCaptureServer();
    client = createDataPortabilityClient({ baseUrl: capture.url, auth: "sec-token-value", retry: false, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    await capture.close();
  });

  it.each(CALLS.flatMap((call) => HOSTILE_NAMES.map((name) => [call, asArgument(call, name)] as const)))(
    "%s(%j) is refused unsent or reaches the server as exactly that name",
    async (call, name) => {
      const before = capture.requests.length;
      const result = await outcome(client[call]({ name }));
      expect(result).toBeInstanceOf(ConnectError);
      const error = result as ConnectError;
      if (resourceNameProblem(name) !== undefined) {
        // `..`/`.`/empty segments, escapes, `?`, `#` and control characters: refused unsent.
        expect(error.code, error.message).toBe(Code.InvalidArgument);
        expect(error.rawMessage).toContain('field "name" is not a resource name');
        expect(error.rawMessage).not.toMatch(/[\r\n\0]/);
        expect(capture.requests.length, "a refused call sends nothing").toBe(before);
        return;
      }
      if (error.code === Code.InvalidArgument) {
        expect(capture.requests.length, "a refused call sends nothing").toBe(before);
        return;
      }
      expect(error.code, error.message).toBe(Code.NotFound); // the capture server's answer
      expect(capture.requests.length).toBe(before + 1);
      const sent = capture.requests[capture.requests.length - 1]!;
      expect(sent.url).toMatch(/^\/v1\/archiveJobs\/[^/?#\s]+(\/portabilityArchiveState|:retry|:cancel)$/);
      expect(sent.headers["x-injected"]).toBeUndefined();
      const seen = serverView(table, sent.method, sent.url, sent.body);
      expect(seen?.method.name, sent.url).toBe(RPC_NAMES[call]);
      // The name as UTF-8 carries it (a lone surrogate becomes U+FFFD on every protocol).
      expect((seen!.message as unknown as { name: string }).name).toBe(asUtf8(name));
    },
  );

  it("never sends a request for ResetAuthorization's path", () => {
    expect(capture.requests.filter((r) => r.url.startsWith("/v1/authorization"))).toEqual([]);
  });
});

describe.each<DataPortabilityProtocol>(DATA_PORTABILITY_PROTOCOLS)("%s: hostile resource names against the emulator", (protocol) => {
  let emulator: Emulator;
  let token: string;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    token = (await emulator.consent({ user: `escape-${protocol}@example.com`, resources: ["myactivity.search"] })).accessToken;
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("no name reaches ResetAuthorization, and the token still works", async () => {
    const client = createDataPortabilityClient({ protocol, baseUrl: emulator.url, auth: token, retry: false, timeoutMs: 5_000 });
    for (const call of CALLS) {
      for (const name of HOSTILE_NAMES) {
        const result = await outcome(client[call]({ name: asArgument(call, name) }));
        expect(result, `${call}(${JSON.stringify(name)})`).toBeInstanceOf(ConnectError);
        const expected = resourceNameProblem(name) !== undefined ? [Code.InvalidArgument] : [Code.InvalidArgument, Code.NotFound];
        expect(expected, (result as ConnectError).message).toContain((result as ConnectError).code);
      }
    }
    expect(emulator.calls.count("ResetAuthorization")).toBe(0);
    expect((await client.checkAccessType({})).oneTimeResources).toEqual(["myactivity.search"]);
  });
});

describe("resourceNameProblem", () => {
  it.each([
    ["archiveJobs/1", undefined],
    ["archiveJobs/1/portabilityArchiveState", undefined],
    ["archiveJobs/a b", undefined],
    ["archiveJobs/1:reset", undefined],
    ["archiveJobs/\u00e9", undefined],
    ["archiveJobs/..", 'a ".." segment'],
    ["archiveJobs/.", 'a "." segment'],
    ["archiveJobs//x", "an empty segment"],
    ["archiveJobs/", "an empty segment"],
    ["archiveJobs/%2e%2e", 'a "%" (an escape, e.g. %2e or %2F)'],
    ["archiveJobs/1?alt=media", 'a "?" (a query)'],
    ["archiveJobs/1#f", 'a "#" (a fragment)'],
    ["archiveJobs/1\r\nX: y", "a control character (such as CR or LF)"],
    ["archiveJobs/1\u007f", "a control character (such as CR or LF)"],
  ])("%j → %j", (name, problem) => {
    expect(resourceNameProblem(name)).toBe(problem);
  });
});
