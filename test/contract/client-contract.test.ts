/**
 * One contract, four protocols: the same scenario runs through
 * createDataPortabilityClient over REST, gRPC, gRPC-web and Connect against
 * a fresh emulator each (same virtual start time and signing key). Every
 * step's outcome is normalised (job ids → placeholders, emulator URL and
 * URL signatures masked) and must be identical across the protocols; each
 * step also asserts what it must be.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { OAuth2Client } from "google-auth-library";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import {
  DATA_PORTABILITY_PROTOCOLS,
  CancelPortabilityArchiveResponseSchema,
  CheckAccessTypeResponseSchema,
  createDataPortabilityClient,
  dataPortabilityErrorOf,
  DebugInfoSchema,
  ErrorInfoSchema,
  InitiatePortabilityArchiveResponseSchema,
  PortabilityArchiveStateSchema,
  RetryPortabilityArchiveResponseSchema,
  setClientCredentials,
  type DataPortabilityClient,
  type DataPortabilityProtocol,
} from "../../src/index.js";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import { createEmulatorOAuthClient } from "../support/emulator-clients.js";

const PROTOCOLS = DATA_PORTABILITY_PROTOCOLS;
const START = "2025-03-01T08:00:00Z";

type Json = ReturnType<typeof toJson>;
/** A normalised outcome of one step. */
type Outcome =
  | { ok: Json }
  | {
      error: {
        code: string;
        message: string;
        errorInfo?: { reason: string; domain: string; metadata: Record<string, string> };
        debugInfo?: string;
        typed?: Record<string, unknown>;
      };
    };

/** The per-protocol state of a scenario run. */
interface Run {
  emu: Emulator;
  protocol: DataPortabilityProtocol;
  jobIds: Map<string, string>;
  /** Named jobs (placeholder names → real ids). */
  jobs: Record<string, string>;
  users: Record<"a" | "b" | "c", { client: DataPortabilityClient; auth: OAuth2Client; tokens: { accessToken: string; refreshToken: string } }>;
}

function mask(run: Run, text: string): string {
  let out = text.split(run.emu.url).join("<emulator>");
  for (const [id, name] of run.jobIds) out = out.split(id).join(name);
  return out.replace(/([?&][A-Za-z_-]*(?:sig|signature|Signature|expires|Expires)[A-Za-z_-]*=)[^&]*/g, "$1<masked>");
}

function deepMask(run: Run, value: unknown): unknown {
  if (typeof value === "string") return mask(run, value);
  if (Array.isArray(value)) return value.map((v) => deepMask(run, v));
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepMask(run, v)]));
  }
  return value;
}

function remember(run: Run, name: string, id: string): void {
  run.jobs[name] = id;
  if (!run.jobIds.has(id)) run.jobIds.set(id, `<${name}>`);
}

async function outcome<S extends DescMessage>(run: Run, schema: S, call: Promise<MessageShape<S>>): Promise<Outcome> {
  try {
    const res = await call;
    return { ok: deepMask(run, toJson(schema, res)) as Json };
  } catch (e) {
    if (!(e instanceof ConnectError)) throw e;
    const info = e.findDetails(ErrorInfoSchema)[0];
    const debug = e.findDetails(DebugInfoSchema)[0];
    const typed = dataPortabilityErrorOf(e);
    const { error: _e, code: _c, ...typedFields } = typed ?? { error: undefined, code: undefined };
    return {
      error: deepMask(run, {
        code: Code[e.code],
        message: e.rawMessage,
        ...(info ? { errorInfo: { reason: info.reason, domain: info.domain, metadata: { ...info.metadata } } } : {}),
        ...(debug ? { debugInfo: debug.detail } : {}),
        ...(typed ? { typed: typedFields } : {}),
      }) as Extract<Outcome, { error: unknown }>["error"],
    };
  }
}

/** A real OAuth2Client against the emulator's token endpoint, holding the consent's tokens. */
function oauthClient(emu: Emulator, tokens: { accessToken?: string; refreshToken: string; expiresIn?: number }): OAuth2Client {
  const auth = createEmulatorOAuthClient(emu, tokens.refreshToken);
  if (tokens.accessToken !== undefined) {
    const expiry_date = Date.now() + (tokens.expiresIn ?? 3600) * 1000;
    auth.setCredentials({ ...auth.credentials, access_token: tokens.accessToken, expiry_date });
  }
  return auth;
}

const okOf = (o: Outcome) => ("ok" in o ? (o.ok as Record<string, unknown>) : expect.unreachable(JSON.stringify(o)));
const errOf = (o: Outcome) => ("error" in o ? o.error : expect.unreachable(JSON.stringify(o)));

/** One step of the scenario. */
interface Step {
  name: string;
  run(r: Run): Promise<Outcome>;
  check(o: Outcome, r: Run): void;
}

const search = { resources: ["myactivity.search"] };
const stateOf = (r: Run, job: string) => ({ name: `archiveJobs/${r.jobs[job]}/portabilityArchiveState` });
const jobOf = (r: Run, job: string) => ({ name: `archiveJobs/${r.jobs[job]}` });

const steps: Step[] = [
  {
    name: "CheckAccessType, one-time consent",
    run: (r) => outcome(r, CheckAccessTypeResponseSchema, r.users.a.client.checkAccessType({})),
    check: (o) => expect(okOf(o)).toEqual({ oneTimeResources: ["myactivity.search", "myactivity.youtube"] }),
  },
  {
    name: "CheckAccessType, time-based consent",
    run: (r) => outcome(r, CheckAccessTypeResponseSchema, r.users.b.client.checkAccessType({})),
    check: (o) => expect(okOf(o)).toEqual({ timeBasedResources: ["chrome.history"] }),
  },
  {
    name: "InitiatePortabilityArchive, one-time",
    async run(r) {
      const res = await r.users.a.client.initiatePortabilityArchive(search);
      remember(r, "job1", res.archiveJobId);
      return outcome(r, InitiatePortabilityArchiveResponseSchema, Promise.resolve(res));
    },
    check: (o) => expect(okOf(o)).toEqual({ archiveJobId: "<job1>", accessType: "ACCESS_TYPE_ONE_TIME" }),
  },
  {
    name: "identical initiate while running → ALREADY_EXISTS with the job id",
    run: (r) => outcome(r, InitiatePortabilityArchiveResponseSchema, r.users.a.client.initiatePortabilityArchive(search)),
    check(o) {
      const e = errOf(o);
      expect(e.code).toBe("AlreadyExists");
      expect(e.errorInfo).toEqual({
        reason: "ALREADY_EXISTS_ONE_TIME",
        domain: "dataportability.googleapis.com",
        metadata: { job_id: "<job1>" },
      });
      expect(e.typed).toMatchObject({ kind: "already-exists", jobId: "<job1>", accessType: "one-time" });
    },
  },
  {
    name: "GetPortabilityArchiveState, in progress",
    run: (r) => outcome(r, PortabilityArchiveStateSchema, r.users.a.client.getPortabilityArchiveState(stateOf(r, "job1"))),
    check: (o) =>
      expect(okOf(o)).toEqual({
        state: "IN_PROGRESS",
        name: "archiveJobs/<job1>/portabilityArchiveState",
        exportTime: START,
      }),
  },
  {
    name: "GetPortabilityArchiveState, complete with a signed URL",
    run(r) {
      r.emu.clock.advance(r.emu.settings().jobDurationMs);
      return outcome(r, PortabilityArchiveStateSchema, r.users.a.client.getPortabilityArchiveState(stateOf(r, "job1")));
    },
    check(o) {
      const s = okOf(o);
      expect(s["state"]).toBe("COMPLETE");
      expect(s["urls"]).toEqual([expect.stringMatching(/^<emulator>\/.*<job1>/)]);
    },
  },
  {
    name: "one-time group exported again → RESOURCE_EXHAUSTED with previous job ids",
    run: (r) => outcome(r, InitiatePortabilityArchiveResponseSchema, r.users.a.client.initiatePortabilityArchive(search)),
    check(o) {
      const e = errOf(o);
      expect(e.code).toBe("ResourceExhausted");
      expect(e.errorInfo).toMatchObject({ reason: "RESOURCE_EXHAUSTED_ONE_TIME", metadata: { previous_job_ids: "<job1>" } });
      expect(e.typed).toMatchObject({ kind: "one-time-exhausted", previousJobIds: ["<job1>"] });
    },
  },
  {
    name: "CancelPortabilityArchive of a finished job → FAILED_PRECONDITION",
    run: (r) => outcome(r, CancelPortabilityArchiveResponseSchema, r.users.a.client.cancelPortabilityArchive(jobOf(r, "job1"))),
    check: (o) => expect(errOf(o).code).toBe("FailedPrecondition"),
  },
  {
    name: "CancelPortabilityArchive of a running job",
    async run(r) {
      const res = await r.users.a.client.initiatePortabilityArchive({ resources: ["myactivity.youtube"] });
      remember(r, "job2", res.archiveJobId);
      return outcome(r, CancelPortabilityArchiveResponseSchema, r.users.a.client.cancelPortabilityArchive(jobOf(r, "job2")));
    },
    check: (o) => expect(okOf(o)).toEqual({}),
  },
  {
    name: "GetPortabilityArchiveState, cancelled",
    run: (r) => outcome(r, PortabilityArchiveStateSchema, r.users.a.client.getPortabilityArchiveState(stateOf(r, "job2"))),
    check: (o) => expect(okOf(o)["state"]).toBe("CANCELLED"),
  },
  {
    name: "RetryPortabilityArchive of a job that did not fail → FAILED_PRECONDITION",
    run: (r) => outcome(r, RetryPortabilityArchiveResponseSchema, r.users.a.client.retryPortabilityArchive(jobOf(r, "job2"))),
    check: (o) => expect(errOf(o).code).toBe("FailedPrecondition"),
  },
  {
    name: "RetryPortabilityArchive of a failed job gives a new job",
    async run(r) {
      const res = await r.users.b.client.initiatePortabilityArchive({ resources: ["chrome.history"] });
      remember(r, "job3", res.archiveJobId);
      r.emu.jobs.fail(res.archiveJobId);
      const retried = await r.users.b.client.retryPortabilityArchive(jobOf(r, "job3"));
      remember(r, "job4", retried.archiveJobId);
      return outcome(r, RetryPortabilityArchiveResponseSchema, Promise.resolve(retried));
    },
    check: (o) => expect(okOf(o)).toEqual({ archiveJobId: "<job4>" }),
  },
  {
    name: "time-based: identical initiate while the retry runs → ALREADY_EXISTS_TIME_BASED",
    run: (r) => outcome(r, InitiatePortabilityArchiveResponseSchema, r.users.b.client.initiatePortabilityArchive({ resources: ["chrome.history"] })),
    check(o) {
      expect(errOf(o).errorInfo).toMatchObject({ reason: "ALREADY_EXISTS_TIME_BASED", metadata: { job_id: "<job4>" } });
      expect(errOf(o).typed).toMatchObject({ kind: "already-exists", jobId: "<job4>", accessType: "time-based" });
    },
  },
  {
    name: "time-based cooldown → RESOURCE_EXHAUSTED with the time it lifts",
    async run(r) {
      await r.users.b.client.cancelPortabilityArchive(jobOf(r, "job4"));
      return outcome(r, InitiatePortabilityArchiveResponseSchema, r.users.b.client.initiatePortabilityArchive({ resources: ["chrome.history"] }));
    },
    check(o) {
      const e = errOf(o);
      expect(e.code).toBe("ResourceExhausted");
      expect(e.errorInfo).toMatchObject({
        reason: "RESOURCE_EXHAUSTED_TIME_BASED",
        metadata: { timestamp_after_24hrs: "2025-03-02T08:00:05Z" },
      });
      expect(e.typed).toMatchObject({ kind: "time-based-cooldown", availableAt: "2025-03-02T08:00:05.000Z" });
    },
  },
  {
    name: "time-based cooldown, documented FAILED_PRECONDITION variant",
    async run(r) {
      r.emu.configure({ timeBasedCooldownCode: "failed-precondition" });
      try {
        return await outcome(r, InitiatePortabilityArchiveResponseSchema, r.users.b.client.initiatePortabilityArchive({ resources: ["chrome.history"] }));
      } finally {
        r.emu.configure({ timeBasedCooldownCode: "resource-exhausted" });
      }
    },
    check(o) {
      expect(errOf(o).code).toBe("FailedPrecondition");
      expect(errOf(o).typed).toMatchObject({ kind: "time-based-cooldown", availableAt: "2025-03-02T08:00:05.000Z" });
    },
  },
  {
    name: "resource group not in the token → PERMISSION_DENIED, resources not authorized",
    run: (r) => outcome(r, InitiatePortabilityArchiveResponseSchema, r.users.a.client.initiatePortabilityArchive({ resources: ["chrome.history"] })),
    check(o) {
      const e = errOf(o);
      expect(e.code).toBe("PermissionDenied");
      expect(e.debugInfo).toMatch(/chrome\.history/);
      expect(e.typed).toMatchObject({ kind: "resources-not-authorized" });
    },
  },
  {
    name: "token without any dataportability scope → PERMISSION_DENIED, missing scope, no refresh",
    async run(r) {
      const before = r.emu.calls.count("token");
      const o = await outcome(r, CheckAccessTypeResponseSchema, r.users.c.client.checkAccessType({}));
      expect(r.emu.calls.count("token")).toBe(before);
      return o;
    },
    check(o) {
      expect(errOf(o).errorInfo?.reason).toBe("ACCESS_TOKEN_SCOPE_INSUFFICIENT");
      expect(errOf(o).typed).toMatchObject({ kind: "missing-scope" });
    },
  },
  {
    name: "unknown job → NOT_FOUND",
    run: (r) => outcome(r, PortabilityArchiveStateSchema, r.users.a.client.getPortabilityArchiveState({ name: "archiveJobs/123456/portabilityArchiveState" })),
    check: (o) => expect(errOf(o).code).toBe("NotFound"),
  },
  {
    name: "unknown resource group → INVALID_ARGUMENT",
    run: (r) => outcome(r, InitiatePortabilityArchiveResponseSchema, r.users.a.client.initiatePortabilityArchive({ resources: ["nope.nothing"] })),
    check: (o) => expect(errOf(o)).toMatchObject({ code: "InvalidArgument", message: expect.stringContaining("nope.nothing") }),
  },
  {
    name: "start_time after end_time → INVALID_ARGUMENT",
    run: (r) =>
      outcome(
        r,
        InitiatePortabilityArchiveResponseSchema,
        r.users.a.client.initiatePortabilityArchive({
          resources: ["myactivity.youtube"],
          startTime: { seconds: 1_700_000_000n },
          endTime: { seconds: 1_600_000_000n },
        }),
      ),
    check: (o) => expect(errOf(o).code).toBe("InvalidArgument"),
  },
  {
    name: "access token expired on the server: one refresh, then success",
    async run(r) {
      r.emu.clock.advance(r.emu.settings().accessTokenTtlMs + 1);
      const before = r.emu.calls.count("token");
      const o = await outcome(r, CheckAccessTypeResponseSchema, r.users.a.client.checkAccessType({}));
      expect(r.emu.calls.count("token")).toBe(before + 1);
      return o;
    },
    check: (o) => expect(okOf(o)).toEqual({ oneTimeResources: ["myactivity.search", "myactivity.youtube"] }),
  },
  {
    name: "UNAVAILABLE on GetPortabilityArchiveState is retried",
    async run(r) {
      r.emu.faults.set("GetPortabilityArchiveState", { times: 1, effect: { type: "error", code: "UNAVAILABLE" } });
      const before = r.emu.calls.count("GetPortabilityArchiveState");
      const o = await outcome(r, PortabilityArchiveStateSchema, r.users.a.client.getPortabilityArchiveState(stateOf(r, "job2")));
      expect(r.emu.calls.count("GetPortabilityArchiveState")).toBe(before + 2);
      return o;
    },
    check: (o) => expect(okOf(o)["state"]).toBe("CANCELLED"),
  },
  {
    name: "UNAVAILABLE on InitiatePortabilityArchive is not retried",
    async run(r) {
      r.emu.faults.set("InitiatePortabilityArchive", { times: 1, effect: { type: "error", code: "UNAVAILABLE" } });
      const before = r.emu.calls.count("InitiatePortabilityArchive");
      const o = await outcome(r, InitiatePortabilityArchiveResponseSchema, r.users.a.client.initiatePortabilityArchive({ resources: ["myactivity.youtube"] }));
      expect(r.emu.calls.count("InitiatePortabilityArchive")).toBe(before + 1);
      return o;
    },
    check: (o) => expect(errOf(o).code).toBe("Unavailable"),
  },
  {
    name: "dropped connection on InitiatePortabilityArchive → UNAVAILABLE, not retried, no job",
    async run(r) {
      r.emu.faults.set("InitiatePortabilityArchive", { times: 1, effect: { type: "drop" } });
      const before = r.emu.calls.count("InitiatePortabilityArchive");
      const jobs = r.emu.jobs.list().length;
      const o = await outcome(r, InitiatePortabilityArchiveResponseSchema, r.users.a.client.initiatePortabilityArchive({ resources: ["myactivity.youtube"] }));
      expect(r.emu.calls.count("InitiatePortabilityArchive")).toBe(before + 1);
      expect(r.emu.jobs.list().length).toBe(jobs);
      // The transport's own wording differs per protocol; the code must not.
      return "error" in o ? { error: { code: o.error.code, message: "<transport message>" } } : o;
    },
    check: (o) => expect(errOf(o).code).toBe("Unavailable"),
  },
  {
    name: "no credentials at all → UNAUTHENTICATED, CREDENTIALS_MISSING",
    run(r) {
      const anonymous = createDataPortabilityClient({ protocol: r.protocol, baseUrl: r.emu.url, auth: false });
      return outcome(r, CheckAccessTypeResponseSchema, anonymous.checkAccessType({}));
    },
    check(o) {
      expect(errOf(o).code).toBe("Unauthenticated");
      expect(errOf(o).errorInfo?.reason).toBe("CREDENTIALS_MISSING");
    },
  },
  {
    name: "ResetAuthorization",
    run: (r) => outcome(r, EmptySchema, r.users.a.client.resetAuthorization({})),
    check: (o) => expect(okOf(o)).toEqual({}),
  },
  {
    name: "after reset: the next call fails at once, nothing sent",
    async run(r) {
      const calls = r.emu.calls.all();
      const o = await outcome(r, CheckAccessTypeResponseSchema, r.users.a.client.checkAccessType({}));
      expect(r.emu.calls.all()).toEqual(calls);
      return o;
    },
    check(o) {
      expect(errOf(o).code).toBe("Unauthenticated");
      expect(errOf(o).message).toMatch(/new consent/);
    },
  },
  {
    name: "after reset: the old access token is rejected by the server",
    run(r) {
      const stale = createDataPortabilityClient({ protocol: r.protocol, baseUrl: r.emu.url, auth: r.users.a.tokens.accessToken, retry: false });
      return outcome(r, CheckAccessTypeResponseSchema, stale.checkAccessType({}));
    },
    check(o) {
      expect(errOf(o).code).toBe("Unauthenticated");
      expect(errOf(o).errorInfo?.reason).toBe("ACCESS_TOKEN_INVALID");
    },
  },
  {
    name: "after reset: the old refresh token is refused (invalid_grant)",
    run(r) {
      const stale = createDataPortabilityClient({
        protocol: r.protocol,
        baseUrl: r.emu.url,
        auth: oauthClient(r.emu, { refreshToken: r.users.a.tokens.refreshToken }),
      });
      return outcome(r, CheckAccessTypeResponseSchema, stale.checkAccessType({}));
    },
    check(o) {
      expect(errOf(o).code).toBe("Unauthenticated");
      expect(errOf(o).message).toMatch(/invalid_grant/);
    },
  },
  {
    name: "after new consent: setClientCredentials, and the group can be exported again",
    async run(r) {
      const tokens = await r.emu.consent({ user: "a@example.com", resources: ["myactivity.search", "myactivity.youtube"] });
      setClientCredentials(r.users.a.client, oauthClient(r.emu, tokens));
      const res = await r.users.a.client.initiatePortabilityArchive(search);
      remember(r, "job5", res.archiveJobId);
      return outcome(r, InitiatePortabilityArchiveResponseSchema, Promise.resolve(res));
    },
    check: (o) => expect(okOf(o)).toEqual({ archiveJobId: "<job5>", accessType: "ACCESS_TYPE_ONE_TIME" }),
  },
  {
    name: "RetryPortabilityArchive beyond the limit of 3 → FAILED_PRECONDITION",
    async run(r) {
      let current = "job5";
      for (let i = 1; i <= 3; i++) {
        r.emu.jobs.fail(r.jobs[current]!);
        const next = await r.users.a.client.retryPortabilityArchive(jobOf(r, current));
        current = `job5-retry${i}`;
        remember(r, current, next.archiveJobId);
      }
      r.emu.jobs.fail(r.jobs[current]!);
      return outcome(r, RetryPortabilityArchiveResponseSchema, r.users.a.client.retryPortabilityArchive(jobOf(r, current)));
    },
    check(o) {
      expect(errOf(o).code).toBe("FailedPrecondition");
      expect(errOf(o).message).toMatch(/limit is 3/);
    },
  },
  {
    name: "RetryPortabilityArchive of a job already retried → FAILED_PRECONDITION",
    run: (r) => outcome(r, RetryPortabilityArchiveResponseSchema, r.users.a.client.retryPortabilityArchive(jobOf(r, "job5"))),
    check: (o) => expect(errOf(o)).toMatchObject({ code: "FailedPrecondition", message: expect.stringContaining("<job5-retry1>") }),
  },
];

const results = new Map<DataPortabilityProtocol, Map<string, Outcome>>();

for (const protocol of PROTOCOLS) {
  describe(`contract over ${protocol}`, () => {
    const run = {} as Run;
    const seen = new Map<string, Outcome>();
    results.set(protocol, seen);

    beforeAll(async () => {
      const emu = await startEmulator({ startTime: START, signingKey: "contract-signing-key" });
      const user = async (name: string, resources: string[], accessType?: "time-based") => {
        const tokens = await emu.consent({ user: name, resources, ...(accessType ? { accessType, days: 30 as const } : {}) });
        const auth = oauthClient(emu, tokens);
        const client = createDataPortabilityClient({
          protocol,
          baseUrl: emu.url,
          auth,
          retry: { initialBackoffMs: 10, maxBackoffMs: 20 },
        });
        return { client, auth, tokens };
      };
      Object.assign(run, {
        emu,
        protocol,
        jobIds: new Map(),
        jobs: {},
        users: {
          a: await user("a@example.com", ["myactivity.search", "myactivity.youtube"]),
          b: await user("b@example.com", ["chrome.history"], "time-based"),
          c: await user("c@example.com", []),
        },
      });
    });
    afterAll(() => run.emu?.close());

    for (const step of steps) {
      it(step.name, async () => {
        const o = await step.run(run);
        seen.set(step.name, o);
        step.check(o, run);
      });
    }
  });
}

describe("identical results across protocols", () => {
  for (const step of steps) {
    it(step.name, () => {
      const rest = results.get("rest")?.get(step.name);
      expect(rest).toBeDefined();
      for (const protocol of PROTOCOLS) {
        expect(results.get(protocol)?.get(step.name), protocol).toEqual(rest);
      }
    });
  }
});
