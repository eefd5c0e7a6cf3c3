/**
 * The demo (`dataportability demo`, `npm start`): on an embedded emulator,
 * with no network and no real credentials, the whole flow once over REST
 * and once over gRPC, each RPC shown beside the HTTP request it became:
 * consent → check access → initiate → poll (virtual clock) → download →
 * reset (after everything is downloaded, as the API asks), then the revoked
 * token is refused.
 *
 * @module
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { AccessType, DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { loadGoogleAuthLibrary } from "../auth/google-auth-loader.js";
import { createDataPortabilityClient, type DataPortabilityProtocol } from "../client/index.js";
import type { Emulator } from "../emulator/index.js";
import { errorInfoOf } from "../errors/index.js";
import { createExportSession } from "../export/index.js";
import { statusNameFromCode } from "../rest/http-status.js";
import { listOrNone, formatDuration } from "./output.js";
import { createWireTransport, requestLine, type WireObserver } from "./wire.js";

/** The resource groups the demo user consents to. */
export const DEMO_RESOURCES: readonly string[] = ["myactivity.search", "chrome.history"];

/** The protocols the demo runs, in order. */
export const DEMO_PROTOCOLS: readonly DataPortabilityProtocol[] = ["rest", "grpc"];

const TITLES: Readonly<Record<DataPortabilityProtocol, string>> = {
  rest: "REST: HTTP/1.1 + JSON, each RPC transcoded by its google.api.http rule",
  grpc: "gRPC: HTTP/2 + binary protobuf",
  "grpc-web": "gRPC-web",
  connect: "Connect",
};

/** One HTTP request the demo observed. */
export interface DemoRequest {
  readonly rpc: string;
  /** e.g. `POST /v1/authorization:reset (HTTP/1.1, REST/JSON)`. */
  readonly line: string;
}

/** What one protocol's run did and got. */
export interface DemoRun {
  readonly protocol: DataPortabilityProtocol;
  readonly requests: DemoRequest[];
  readonly oneTime: readonly string[];
  readonly timeBased: readonly string[];
  readonly accessType: string;
  readonly states: string[];
  readonly files: { readonly name: string; readonly bytes: number }[];
  /** Whether the reset guard refused an early reset without sending anything. */
  readonly guardRefusedEarlyReset: boolean;
}

/** How the revoked token fared afterwards. */
export interface DemoRefusal {
  readonly protocol: DataPortabilityProtocol;
  readonly request: DemoRequest | undefined;
  readonly code: string;
  readonly reason: string | undefined;
}

/** The demo's outcome. */
export interface DemoReport {
  readonly runs: DemoRun[];
  readonly refusals: DemoRefusal[];
  /** Whether REST and gRPC gave the same answers. */
  readonly agree: boolean;
  /** Whether every step went as the API promises. */
  readonly ok: boolean;
}

/** Where the demo's narration goes. */
export type Say = (line: string) => void;

function observe(requests: DemoRequest[], say: Say): WireObserver {
  return {
    request(req) {
      const entry = { rpc: req.rpc, line: requestLine(req) };
      requests.push(entry);
      say(`  ${entry.rpc} → ${entry.line}`);
    },
    response() {},
  };
}

async function runProtocol(
  protocol: DataPortabilityProtocol,
  emulator: Emulator,
  dir: string,
  say: Say,
): Promise<{ run: DemoRun; revokedToken: string }> {
  const requests: DemoRequest[] = [];
  const grant = await emulator.consent({ resources: DEMO_RESOURCES });
  say(`  consent: user@example.com grants one-time access to ${DEMO_RESOURCES.join(", ")} (emulator OAuth)`);
  const { OAuth2Client } = await loadGoogleAuthLibrary("the demo (it signs in through the emulator with an OAuth2Client)");
  const oauth = new OAuth2Client({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    endpoints: { oauth2TokenUrl: emulator.tokenUrl, oauth2RevokeUrl: emulator.revokeUrl },
  });
  oauth.setCredentials({
    access_token: grant.accessToken,
    refresh_token: grant.refreshToken,
    expiry_date: Date.now() + grant.expiresIn * 1000,
  });
  const client = createDataPortabilityClient({
    protocol,
    baseUrl: emulator.url,
    auth: oauth,
    transport: createWireTransport(protocol, emulator.url, observe(requests, say)),
  });
  const states: string[] = [];
  const session = createExportSession(client, {
    sleep: async (ms) => {
      emulator.clock.advance(ms);
    },
    onProgress: (event) => {
      if (event.phase !== "polling") return;
      states.push(event.stateName);
      say(
        event.nextPollMs === undefined
          ? `    ${event.stateName}`
          : `    ${event.stateName}: next poll in ${formatDuration(event.nextPollMs)}, advancing the emulator's virtual clock`,
      );
    },
  });

  const access = await session.checkAccess(DEMO_RESOURCES);
  say(`    one-time access: ${listOrNone(access.oneTime)}; time-based: ${listOrNone(access.timeBased)}`);
  const job = await session.start(DEMO_RESOURCES);
  const accessType = AccessType[job.accessType] ?? String(job.accessType);
  say(`    archive job ${job.jobId} (${accessType})`);
  await session.waitForJobs([job.jobId]);

  // The API's rule: reset only after every job is done and downloaded.
  const before = requests.length;
  let guardRefusedEarlyReset = false;
  try {
    await session.resetAuthorization();
  } catch (e) {
    const sent = requests.length - before;
    guardRefusedEarlyReset = e instanceof ConnectError && e.code === Code.FailedPrecondition && sent === 0;
    const blockers = session
      .resetBlockers()
      .map((b) => (b.reason === "undownloaded" ? `job ${b.jobId} is COMPLETE, archive not downloaded yet` : `job ${b.jobId} unfinished`));
    say(`  reset now? the export session's guard refuses: ${blockers.join("; ")} (${sent} requests sent)`);
  }

  const files = await session.download(job.jobId, dir);
  for (const file of files) {
    const path = file.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, "");
    say(`  download → GET ${path} (signed URL, no Authorization header): ${file.bytes} bytes`);
  }
  await session.resetAuthorization();
  say("    authorization reset: tokens revoked, scopes reset; every job was done and downloaded first");
  const run: DemoRun = {
    protocol,
    requests,
    oneTime: access.oneTime,
    timeBased: access.timeBased,
    accessType,
    states,
    files: files.map((file) => ({ name: basename(file.path), bytes: file.bytes })),
    guardRefusedEarlyReset,
  };
  return { run, revokedToken: grant.accessToken };
}

async function refusal(
  protocol: DataPortabilityProtocol,
  emulator: Emulator,
  token: string,
  say: Say,
): Promise<DemoRefusal> {
  const requests: DemoRequest[] = [];
  const client = createDataPortabilityClient({
    protocol,
    baseUrl: emulator.url,
    auth: token,
    retry: false,
    transport: createWireTransport(protocol, emulator.url, observe(requests, say)),
  });
  try {
    await client.checkAccessType({});
    say("    accepted?! the revoked token still works");
    return { protocol, request: requests[0], code: "OK", reason: undefined };
  } catch (e) {
    const error = ConnectError.from(e);
    const code = statusNameFromCode(error.code);
    const reason = errorInfoOf(error)?.reason;
    say(`    refused: ${code}${reason ? ` (reason: ${reason})` : ""}`);
    return { protocol, request: requests[0], code, reason };
  }
}

/** What REST and gRPC must agree on: everything but ids and request lines. */
function comparable(run: DemoRun): string {
  return JSON.stringify({
    rpcs: run.requests.map((r) => r.rpc),
    oneTime: [...run.oneTime].sort(),
    timeBased: [...run.timeBased].sort(),
    accessType: run.accessType,
    states: run.states,
    files: run.files.length,
    guard: run.guardRefusedEarlyReset,
  });
}

function agreementLine(runs: readonly DemoRun[], agree: boolean): string {
  const first = runs[0];
  if (first === undefined) return "nothing ran";
  const names = runs.map((r) => TITLES[r.protocol].split(":")[0]).join(" and ");
  if (!agree) return `${names} DISAGREE: ${runs.map(comparable).join(" vs ")}`;
  return (
    `${names} agree: the same ${first.requests.length} RPCs got the same answers ` +
    `(${first.oneTime.length} one-time groups; ${first.states.join(" → ")}; ${first.files.length} archive file(s); reset last).`
  );
}

/**
 * Runs the demo on a fresh emulator (closed at the end) with downloads in a
 * temporary folder (removed at the end). `say` receives the narration.
 */
export async function runDemo(say: Say): Promise<DemoReport> {
  const { startEmulator } = await import("../emulator/index.js");
  const emulator = await startEmulator({ port: 0 });
  const dir = await mkdtemp(join(tmpdir(), "dataportability-demo-"));
  try {
    say(`Data Portability demo on the embedded emulator at ${emulator.url} (no network, no real credentials)`);
    say(
      `One contract: ${DataPortabilityService.typeName}, ${DataPortabilityService.methods.length} RPCs, ` +
        "typed calls generated from proto/google/dataportability/v1/dataportability.proto",
    );
    const runs: DemoRun[] = [];
    const tokens: string[] = [];
    for (const protocol of DEMO_PROTOCOLS) {
      say("");
      say(`== ${TITLES[protocol]}`);
      const { run, revokedToken } = await runProtocol(protocol, emulator, dir, say);
      runs.push(run);
      tokens.push(revokedToken);
    }
    say("");
    say("== After the reset, the revoked tokens are refused");
    const refusals: DemoRefusal[] = [];
    for (const [i, run] of runs.entries()) {
      refusals.push(await refusal(run.protocol, emulator, tokens[i] ?? "", say));
    }
    const agree = runs.every((run) => comparable(run) === comparable(runs[0]!));
    say("");
    say(agreementLine(runs, agree));
    const ok =
      agree &&
      runs.every((run) => run.guardRefusedEarlyReset && run.files.length > 0) &&
      refusals.every((r) => r.code === statusNameFromCode(Code.Unauthenticated));
    return { runs, refusals, agree, ok };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await emulator.close();
  }
}
