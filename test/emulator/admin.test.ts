/**
 * The admin HTTP routes under /emulator/v1/ and the programmatic inspection:
 * consent, clock, settings, faults, jobs, call counts, never a token value.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { PortabilityArchiveState_State as State } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import type { ConsentTokens } from "../../src/emulator/index.js";
import { createEmulatorClient } from "../support/emulator-clients.js";
import { expectCode, newUser, raw, useEmulator } from "./helpers.js";

describe("admin routes", () => {
  const emulator = useEmulator({ startTime: "2025-03-01T10:00:00Z" });

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await raw(`${emulator.url}/emulator/v1/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown>, headers: res.headers };
  };

  it("consent over HTTP yields working tokens; state never shows a token value", async () => {
    const user = newUser();
    const consent = await admin("POST", "consent", { user, project: "admin-project", resources: ["discover.likes"] });
    expect(consent.status).toBe(200);
    const tokens = consent.body as unknown as ConsentTokens;
    const client = createEmulatorClient("grpc", emulator.url, { auth: tokens.accessToken });
    expect((await client.checkAccessType({})).oneTimeResources).toEqual(["discover.likes"]);
    const { archiveJobId } = await client.initiatePortabilityArchive({ resources: ["discover.likes"] });

    const state = await admin("GET", "state");
    const text = JSON.stringify(state.body);
    expect(text).not.toContain(tokens.accessToken);
    expect(text).not.toContain(tokens.refreshToken);
    expect(state.body.grants).toContainEqual(
      expect.objectContaining({ user, project: "admin-project", resources: ["discover.likes"], accessType: "one-time", revoked: false }),
    );
    expect(state.body.jobs).toContainEqual(
      expect.objectContaining({ id: archiveJobId, user, state: "IN_PROGRESS", accessType: "ACCESS_TYPE_ONE_TIME" }),
    );
    expect(state.body.tokens).toMatchObject({ activeAccessTokens: expect.any(Number), refreshTokens: expect.any(Number) });
    expect((state.body.calls as Record<string, number>).CheckAccessType).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(emulator.inspect())).not.toContain(tokens.accessToken);
  });

  it("moves the virtual clock", async () => {
    expect((await admin("GET", "clock")).body.now).toBe(emulator.clock.now().toISOString());
    const set = await admin("POST", "clock:set", { time: "2025-06-01T00:00:00Z" });
    expect(set.body).toEqual({ now: "2025-06-01T00:00:00.000Z" });
    const advanced = await admin("POST", "clock:advance", { ms: 90_000 });
    expect(advanced.body).toEqual({ now: "2025-06-01T00:01:30.000Z" });
    expect(emulator.clock.now().toISOString()).toBe("2025-06-01T00:01:30.000Z");
    expect((await admin("POST", "clock:set", { time: "not a date" })).status).toBe(400);
  });

  it("changes settings, and refuses bad ones", async () => {
    const patched = await admin("PATCH", "settings", { jobDurationMs: 60_000, jobOutcome: "fail" });
    expect(patched.body).toMatchObject({ jobDurationMs: 60_000, jobOutcome: "fail" });
    expect(emulator.settings().jobDurationMs).toBe(60_000);
    const bad = await admin("PATCH", "settings", { timeBasedCooldownCode: "teapot" });
    expect(bad.status).toBe(400);
    expect((bad.body.error as { message: string }).message).toContain("teapot");
    await admin("PATCH", "settings", { jobDurationMs: 5_000, jobOutcome: "complete" });
    expect((await admin("GET", "settings")).body).toMatchObject({ jobDurationMs: 5_000, jobOutcome: "complete" });
  });

  it("sets and clears faults and reads call counts", async () => {
    const tokens = await emulator.consent({ user: newUser(), resources: ["discover.follows"] });
    const client = createEmulatorClient("connect", emulator.url, { auth: tokens.accessToken });
    const set = await admin("PUT", "faults/CheckAccessType", { times: 1, effect: { type: "error", code: "UNAVAILABLE" } });
    expect(set.body).toEqual({ CheckAccessType: { times: 1, effect: { type: "error", code: "UNAVAILABLE" } } });
    await expectCode(client.checkAccessType({}), Code.Unavailable);
    expect((await admin("GET", "faults")).body).toEqual({});

    await admin("PUT", "faults/CheckAccessType", { effect: { type: "error", code: "INTERNAL" } });
    await expectCode(client.checkAccessType({}), Code.Internal);
    expect((await admin("DELETE", "faults/CheckAccessType")).body).toEqual({});
    await client.checkAccessType({});
    expect((await admin("PUT", "faults/Nope", { latencyMs: 1 })).status).toBe(400);
    expect((await admin("PUT", "faults/CheckAccessType", { latency: 1 })).status).toBe(400);

    const calls = (await admin("GET", "calls")).body;
    expect(calls.CheckAccessType).toBeGreaterThanOrEqual(3);
    expect((await admin("DELETE", "calls")).body).toEqual({});
    expect(emulator.calls.count("CheckAccessType")).toBe(0);
  });

  it("fails and completes jobs by id", async () => {
    const tokens = await emulator.consent({ user: newUser(), resources: ["youtube.posts", "youtube.comments"] });
    const client = createEmulatorClient("grpc-web", emulator.url, { auth: tokens.accessToken });
    const failing = await client.initiatePortabilityArchive({ resources: ["youtube.posts"] });
    const completing = await client.initiatePortabilityArchive({ resources: ["youtube.comments"] });
    expect((await admin("POST", `jobs/${failing.archiveJobId}:fail`, undefined)).body).toMatchObject({ state: "FAILED" });
    expect((await admin("POST", `jobs/${completing.archiveJobId}:complete`)).body).toMatchObject({ state: "COMPLETE" });
    const failed = await client.getPortabilityArchiveState({ name: `archiveJobs/${failing.archiveJobId}/portabilityArchiveState` });
    expect(failed.state).toBe(State.FAILED);
    const complete = await client.getPortabilityArchiveState({ name: `archiveJobs/${completing.archiveJobId}/portabilityArchiveState` });
    expect(complete.urls).toHaveLength(1);
    const again = await admin("POST", `jobs/${failing.archiveJobId}:complete`);
    expect(again.status).toBe(409);
    expect((await admin("POST", "jobs/0:fail")).status).toBe(404);
    expect(((await admin("GET", "jobs")).body as unknown as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(() => emulator.jobs.fail(completing.archiveJobId)).toThrow("COMPLETE, not IN_PROGRESS");
  });

  it("answers 404 for unknown admin routes and 405 with Allow for wrong methods", async () => {
    expect((await admin("GET", "nothing")).status).toBe(404);
    const wrong = await admin("DELETE", "clock");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });
});
