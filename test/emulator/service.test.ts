/**
 * The service rules of reference §1/§4 over all four protocols, with real
 * google-auth-library OAuth2Clients refreshing against the emulator.
 */
import { timestampDate, timestampFromDate, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  AccessType,
  PortabilityArchiveState_State as State,
} from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { DebugInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { createEmulatorClient, PROTOCOLS } from "../support/emulator-clients.js";
import { errorInfo, expectCode, newSession, raw, readArchive, useEmulator } from "./helpers.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describe.each(PROTOCOLS)("DataPortabilityService over %s", (protocol) => {
  const emulator = useEmulator();

  const stateName = (id: string) => `archiveJobs/${id}/portabilityArchiveState`;

  it("checkAccessType splits the caller's groups by access type", async () => {
    const oneTime = await newSession(emulator, protocol, { resources: ["myactivity.search", "chrome.history"] });
    expect(await oneTime.client.checkAccessType({})).toMatchObject({
      oneTimeResources: ["myactivity.search", "chrome.history"],
      timeBasedResources: [],
    });
    const timeBased = await newSession(emulator, protocol, {
      resources: ["youtube.clips"],
      accessType: "time-based",
      days: 180,
    });
    expect(await timeBased.client.checkAccessType({})).toMatchObject({
      oneTimeResources: [],
      timeBasedResources: ["youtube.clips"],
    });
  });

  it("one-time: IN_PROGRESS, ALREADY_EXISTS, COMPLETE with a signed URL, then RESOURCE_EXHAUSTED", async () => {
    const { client } = await newSession(emulator, protocol, { resources: ["myactivity.search"] });
    const started = await client.initiatePortabilityArchive({ resources: ["myactivity.search"] });
    expect(started.archiveJobId).toMatch(/^[0-9]+$/);
    expect(started.accessType).toBe(AccessType.ONE_TIME);

    const running = await client.getPortabilityArchiveState({ name: stateName(started.archiveJobId) });
    expect(running.state).toBe(State.IN_PROGRESS);
    expect(running.urls).toEqual([]);

    const again = await expectCode(client.initiatePortabilityArchive({ resources: ["myactivity.search"] }), Code.AlreadyExists);
    const existing = errorInfo(again);
    expect(existing.reason).toBe("ALREADY_EXISTS_ONE_TIME");
    expect(existing.domain).toBe("dataportability.googleapis.com");
    expect(existing.metadata).toEqual({ job_id: started.archiveJobId });

    emulator.clock.advance(emulator.settings().jobDurationMs);
    const done = await client.getPortabilityArchiveState({ name: stateName(started.archiveJobId) });
    expect(done.state).toBe(State.COMPLETE);
    expect(done.name).toBe(stateName(started.archiveJobId));
    expect(done.urls).toHaveLength(1);
    const url = new URL(done.urls[0]!);
    expect(url.origin).toBe(emulator.url);
    expect(url.searchParams.get("Expires")).toMatch(/^\d+$/);
    expect(url.searchParams.get("Signature")).not.toBeNull();

    // The signed URL works without an Authorization header and serves a Takeout-like ZIP.
    const download = await raw(done.urls[0]!);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/zip");
    const archive = readArchive(download.bytes);
    const activity = archive["Portability/My Activity/Search/MyActivity.json"] as Array<Record<string, unknown>>;
    expect(Object.keys(archive)).toEqual(["Portability/My Activity/Search/MyActivity.json"]);
    expect(activity.length).toBeGreaterThan(0);
    expect(activity[0]).toMatchObject({ header: "Search", products: ["Search"] });

    const exhausted = await expectCode(
      client.initiatePortabilityArchive({ resources: ["myactivity.search"] }),
      Code.ResourceExhausted,
    );
    const info = errorInfo(exhausted);
    expect(info.reason).toBe("RESOURCE_EXHAUSTED_ONE_TIME");
    expect(info.domain).toBe("dataportability.googleapis.com");
    expect(info.metadata).toEqual({ previous_job_ids: started.archiveJobId });
  });

  it("a job over several one-time groups lists every previous job in previous_job_ids", async () => {
    const { client } = await newSession(emulator, protocol, { resources: ["play.installs", "play.library"] });
    const first = await client.initiatePortabilityArchive({ resources: ["play.installs"] });
    const second = await client.initiatePortabilityArchive({ resources: ["play.library"] });
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const error = await expectCode(
      client.initiatePortabilityArchive({ resources: ["play.installs", "play.library"] }),
      Code.ResourceExhausted,
    );
    expect(errorInfo(error).metadata.previous_job_ids!.split(",").sort()).toEqual(
      [first.archiveJobId, second.archiveJobId].sort(),
    );
    // The archive of a multi-group job holds one file per group.
    const { client: other } = await newSession(emulator, protocol, { resources: ["play.installs", "myactivity.maps"] });
    const both = await other.initiatePortabilityArchive({ resources: ["play.installs", "myactivity.maps"] });
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const state = await other.getPortabilityArchiveState({ name: stateName(both.archiveJobId) });
    const archive = readArchive((await raw(state.urls[0]!)).bytes);
    expect(Object.keys(archive).sort()).toEqual([
      "Portability/Google Play Store/Installs.json",
      "Portability/My Activity/Maps/MyActivity.json",
    ]);
  });

  it("time-based: a 24 h cooldown with timestamp_after_24hrs, then allowed again", async () => {
    const { client, oauth, tokens } = await newSession(emulator, protocol, {
      resources: ["myactivity.youtube"],
      accessType: "time-based",
      days: 30,
    });
    const first = await client.initiatePortabilityArchive({ resources: ["myactivity.youtube"] });
    expect(first.accessType).toBe(AccessType.TIME_BASED);
    const startedAt = emulator.clock.nowMs();

    const running = await expectCode(client.initiatePortabilityArchive({ resources: ["myactivity.youtube"] }), Code.AlreadyExists);
    expect(errorInfo(running).reason).toBe("ALREADY_EXISTS_TIME_BASED");

    emulator.clock.advance(HOUR / 2);
    const cooling = await expectCode(
      client.initiatePortabilityArchive({ resources: ["myactivity.youtube"] }),
      Code.ResourceExhausted,
    );
    const info = errorInfo(cooling);
    const after = new Date(Math.floor((startedAt + DAY) / 1000) * 1000).toISOString().replace(".000Z", "Z");
    expect(info.reason).toBe("RESOURCE_EXHAUSTED_TIME_BASED");
    expect(info.metadata).toEqual({ previous_job_ids: first.archiveJobId, timestamp_after_24hrs: after });
    expect(cooling.rawMessage).toContain(`after ${after}`);

    // The documented status, behind the switch.
    emulator.configure({ timeBasedCooldownCode: "failed-precondition" });
    const documented = await expectCode(
      client.initiatePortabilityArchive({ resources: ["myactivity.youtube"] }),
      Code.FailedPrecondition,
    );
    expect(errorInfo(documented).reason).toBe("RESOURCE_EXHAUSTED_TIME_BASED");

    emulator.clock.set(startedAt + DAY);
    oauth.setCredentials({ refresh_token: tokens.refreshToken }); // the cached access token expired
    const next = await client.initiatePortabilityArchive({ resources: ["myactivity.youtube"] });
    expect(next.archiveJobId).not.toBe(first.archiveJobId);
    expect(next.accessType).toBe(AccessType.TIME_BASED);
  });

  it("export_time is end_time or the request time; start_time only when given", async () => {
    const { client } = await newSession(emulator, protocol, {
      resources: ["chrome.history", "chrome.bookmarks"],
      accessType: "time-based",
      days: 30,
    });
    const start = timestampFromDate(new Date("2024-01-01T00:00:00.250Z"));
    const end = timestampFromDate(new Date("2024-03-01T12:00:00Z"));
    const windowed = await client.initiatePortabilityArchive({ resources: ["chrome.history"], startTime: start, endTime: end });
    const withWindow = await client.getPortabilityArchiveState({ name: stateName(windowed.archiveJobId) });
    expect(timestampDate(withWindow.startTime!).toISOString()).toBe("2024-01-01T00:00:00.250Z");
    expect(timestampDate(withWindow.exportTime!).toISOString()).toBe("2024-03-01T12:00:00.000Z");

    const requestedAt = emulator.clock.nowMs();
    const open = await client.initiatePortabilityArchive({ resources: ["chrome.bookmarks"] });
    const withoutWindow = await client.getPortabilityArchiveState({ name: stateName(open.archiveJobId) });
    expect(withoutWindow.startTime).toBeUndefined();
    expect(timestampMs(withoutWindow.exportTime!)).toBe(requestedAt);

    // Archive records fall inside the requested window.
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const done = await client.getPortabilityArchiveState({ name: stateName(windowed.archiveJobId) });
    const files = readArchive((await raw(done.urls[0]!)).bytes);
    const items = (files["Portability/Chrome/History.json"] as { items: Array<{ createTime: string }> }).items;
    for (const item of items) {
      expect(Date.parse(item.createTime)).toBeGreaterThanOrEqual(timestampMs(start));
      expect(Date.parse(item.createTime)).toBeLessThanOrEqual(timestampMs(end));
    }
  });

  it("initiate rejects empty or unknown resources and start_time after end_time, naming the value", async () => {
    const { client } = await newSession(emulator, protocol, { resources: ["myactivity.search"] });
    const empty = await expectCode(client.initiatePortabilityArchive({ resources: [] }), Code.InvalidArgument);
    expect(empty.rawMessage).toContain("resources");
    const unknown = await expectCode(
      client.initiatePortabilityArchive({ resources: ["myactivity.search", "no.such_group"] }),
      Code.InvalidArgument,
    );
    expect(unknown.rawMessage).toContain('"no.such_group"');
    const backwards = await expectCode(
      client.initiatePortabilityArchive({
        resources: ["myactivity.search"],
        startTime: timestampFromDate(new Date("2024-05-02T00:00:00Z")),
        endTime: timestampFromDate(new Date("2024-05-01T00:00:00Z")),
      }),
      Code.InvalidArgument,
    );
    expect(backwards.rawMessage).toContain("start_time 2024-05-02T00:00:00.000Z is after end_time 2024-05-01T00:00:00.000Z");
    // None of these exhausted the group.
    await client.initiatePortabilityArchive({ resources: ["myactivity.search"] });
  });

  it("initiate needs the scope of every requested group (403 with a DebugInfo detail)", async () => {
    const { client } = await newSession(emulator, protocol, { resources: ["myactivity.search"] });
    const error = await expectCode(
      client.initiatePortabilityArchive({ resources: ["myactivity.search", "youtube.music"] }),
      Code.PermissionDenied,
    );
    expect(error.rawMessage).toBe("The requested resources are not authorized by the OAuth token.");
    const [debug] = error.findDetails(DebugInfoSchema);
    expect(debug?.detail).toContain("youtube.music");
  });

  it("401 for a missing, unknown or expired token; 403 for a token without dataportability scopes", async () => {
    const anonymous = createEmulatorClient(protocol, emulator.url);
    const missing = errorInfo(await expectCode(anonymous.checkAccessType({}), Code.Unauthenticated));
    expect(missing).toMatchObject({ reason: "CREDENTIALS_MISSING", domain: "googleapis.com" });
    expect(missing.metadata.method).toBe("google.dataportability.v1.DataPortabilityService.CheckAccessType");

    const forged = createEmulatorClient(protocol, emulator.url, { auth: "ya29.not-a-real-token" });
    const unknown = errorInfo(await expectCode(forged.checkAccessType({}), Code.Unauthenticated));
    expect(unknown).toMatchObject({ reason: "ACCESS_TOKEN_INVALID", domain: "googleapis.com" });

    const session = await newSession(emulator, protocol, { resources: ["myactivity.search"] });
    await session.client.checkAccessType({}); // the OAuth2Client refreshed and cached a token
    emulator.clock.advance(emulator.settings().accessTokenTtlMs);
    const expired = errorInfo(await expectCode(session.client.checkAccessType({}), Code.Unauthenticated));
    expect(expired).toMatchObject({ reason: "ACCESS_TOKEN_EXPIRED", domain: "googleapis.com" });
    // OAuth2Client judges expiry by the real clock; dropping the access token makes it refresh.
    session.oauth.setCredentials({ refresh_token: session.tokens.refreshToken });
    expect((await session.client.checkAccessType({})).oneTimeResources).toEqual(["myactivity.search"]);

    const scopeless = await newSession(emulator, protocol, { resources: [] });
    const denied = await expectCode(scopeless.client.checkAccessType({}), Code.PermissionDenied);
    expect(denied.rawMessage).toBe("Request had insufficient authentication scopes.");
    expect(errorInfo(denied)).toMatchObject({ reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT", domain: "googleapis.com" });
  });

  it("get state is NOT_FOUND for unknown jobs and jobs of another user or project", async () => {
    const owner = await newSession(emulator, protocol, { resources: ["maps.reviews"] });
    const { archiveJobId } = await owner.client.initiatePortabilityArchive({ resources: ["maps.reviews"] });
    await expectCode(owner.client.getPortabilityArchiveState({ name: stateName("12345") }), Code.NotFound);
    const stranger = await newSession(emulator, protocol, { resources: ["maps.reviews"] });
    await expectCode(stranger.client.getPortabilityArchiveState({ name: stateName(archiveJobId) }), Code.NotFound);
    const otherProject = await newSession(emulator, protocol, {
      user: owner.user,
      project: "another-project",
      resources: ["maps.reviews"],
    });
    await expectCode(otherProject.client.getPortabilityArchiveState({ name: stateName(archiveJobId) }), Code.NotFound);
    await expectCode(otherProject.client.cancelPortabilityArchive({ name: `archiveJobs/${archiveJobId}` }), Code.NotFound);
  });

  it("get state needs the scopes of the job's groups", async () => {
    const owner = await newSession(emulator, protocol, { resources: ["maps.starred_places"] });
    const { archiveJobId } = await owner.client.initiatePortabilityArchive({ resources: ["maps.starred_places"] });
    const narrower = await newSession(emulator, protocol, { user: owner.user, resources: ["maps.aliased_places"] });
    await expectCode(narrower.client.getPortabilityArchiveState({ name: stateName(archiveJobId) }), Code.PermissionDenied);
  });

  it("cancel works only while IN_PROGRESS", async () => {
    const { client } = await newSession(emulator, protocol, { resources: ["saved.collections", "mymaps.maps"] });
    const job = await client.initiatePortabilityArchive({ resources: ["saved.collections"] });
    expect(await client.cancelPortabilityArchive({ name: `archiveJobs/${job.archiveJobId}` })).toBeDefined();
    const state = await client.getPortabilityArchiveState({ name: stateName(job.archiveJobId) });
    expect(state.state).toBe(State.CANCELLED);
    const again = await expectCode(client.cancelPortabilityArchive({ name: `archiveJobs/${job.archiveJobId}` }), Code.FailedPrecondition);
    expect(again.rawMessage).toContain("CANCELLED");

    const finished = await client.initiatePortabilityArchive({ resources: ["mymaps.maps"] });
    emulator.clock.advance(emulator.settings().jobDurationMs);
    await expectCode(client.cancelPortabilityArchive({ name: `archiveJobs/${finished.archiveJobId}` }), Code.FailedPrecondition);
  });

  it("retry: only FAILED jobs, a new job id each time, at most 3 retries", async () => {
    emulator.configure({ jobOutcome: "fail" });
    const { client } = await newSession(emulator, protocol, { resources: ["play.purchases"] });
    const first = await client.initiatePortabilityArchive({ resources: ["play.purchases"] });
    const notYet = await expectCode(client.retryPortabilityArchive({ name: `archiveJobs/${first.archiveJobId}` }), Code.FailedPrecondition);
    expect(notYet.rawMessage).toContain("IN_PROGRESS");

    let current = first.archiveJobId;
    const ids = [current];
    for (let retry = 1; retry <= 3; retry++) {
      emulator.clock.advance(emulator.settings().jobDurationMs);
      expect((await client.getPortabilityArchiveState({ name: stateName(current) })).state).toBe(State.FAILED);
      current = (await client.retryPortabilityArchive({ name: `archiveJobs/${current}` })).archiveJobId;
      expect(ids).not.toContain(current);
      ids.push(current);
      expect((await client.getPortabilityArchiveState({ name: stateName(current) })).state).toBe(State.IN_PROGRESS);
    }
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const limit = await expectCode(client.retryPortabilityArchive({ name: `archiveJobs/${current}` }), Code.FailedPrecondition);
    expect(limit.rawMessage).toContain("limit is 3");
    const retried = await expectCode(client.retryPortabilityArchive({ name: `archiveJobs/${first.archiveJobId}` }), Code.FailedPrecondition);
    expect(retried.rawMessage).toContain(`already retried as job ${ids[1]}`);

    // A retry can succeed: jobs.fail() forces a failure, the retry completes.
    emulator.configure({ jobOutcome: "complete" });
    const { client: other } = await newSession(emulator, protocol, { resources: ["play.devices"] });
    const job = await other.initiatePortabilityArchive({ resources: ["play.devices"] });
    expect(emulator.jobs.fail(job.archiveJobId).state).toBe("FAILED");
    const retry = await other.retryPortabilityArchive({ name: `archiveJobs/${job.archiveJobId}` });
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const done = await other.getPortabilityArchiveState({ name: stateName(retry.archiveJobId) });
    expect(done.state).toBe(State.COMPLETE);
    expect(done.urls).toHaveLength(1);
  });

  it("bad resource names are INVALID_ARGUMENT naming the value", async () => {
    const { client } = await newSession(emulator, protocol, { resources: ["myactivity.search"] });
    const error = await expectCode(client.retryPortabilityArchive({ name: "jobs/1" }), Code.InvalidArgument);
    expect(error.rawMessage).toContain('"jobs/1"');
  });

  it("download URLs expire after 6 h, a new get signs a fresh one, archives go after 14 days", async () => {
    const session = await newSession(emulator, protocol, { resources: ["shopping.addresses"] });
    const { client } = session;
    const { archiveJobId } = await client.initiatePortabilityArchive({ resources: ["shopping.addresses"] });
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const first = (await client.getPortabilityArchiveState({ name: stateName(archiveJobId) })).urls[0]!;
    expect((await raw(first)).status).toBe(200);

    const forged = await raw(first.replace(/Signature=[^&]+/, "Signature=AAAA"));
    expect(forged.status).toBe(403);
    expect(forged.text).toContain("<Code>SignatureDoesNotMatch</Code>");

    emulator.clock.advance(6 * HOUR);
    const expired = await raw(first);
    expect(expired.status).toBe(400);
    expect(expired.text).toContain("<Code>ExpiredToken</Code>");

    // The access token expired meanwhile too (1 h); refresh, then get a freshly signed URL.
    session.oauth.setCredentials({ refresh_token: session.tokens.refreshToken });
    const second = (await client.getPortabilityArchiveState({ name: stateName(archiveJobId) })).urls[0]!;
    expect(second).not.toBe(first);
    expect((await raw(second)).status).toBe(200);

    emulator.clock.advance(14 * DAY);
    session.oauth.setCredentials({ refresh_token: session.tokens.refreshToken });
    const late = await client.getPortabilityArchiveState({ name: stateName(archiveJobId) });
    expect(late.state).toBe(State.COMPLETE);
    expect(late.urls).toEqual([]);
    const gone = await raw(second);
    expect(gone.status).toBe(400); // the URL expired before the archive was deleted
  });

  it("reset: old tokens get 401, refreshing gets invalid_grant, URLs stop working, a new consent exports again", async () => {
    const session = await newSession(emulator, protocol, { resources: ["youtube.channel"] });
    const { client, oauth } = session;
    const { archiveJobId } = await client.initiatePortabilityArchive({ resources: ["youtube.channel"] });
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const url = (await client.getPortabilityArchiveState({ name: stateName(archiveJobId) })).urls[0]!;
    expect((await raw(url)).status).toBe(200);
    // Another token of the same (user, project), from a second consent.
    const second = await emulator.consent({ user: session.user, project: session.project, resources: ["youtube.channel"] });
    const secondClient = createEmulatorClient(protocol, emulator.url, { auth: second.accessToken });
    expect((await secondClient.checkAccessType({})).oneTimeResources).toEqual(["youtube.channel"]);

    await client.resetAuthorization({});

    const revoked = await expectCode(client.checkAccessType({}), Code.Unauthenticated);
    expect(errorInfo(revoked).reason).toBe("ACCESS_TOKEN_INVALID");
    await expectCode(secondClient.checkAccessType({}), Code.Unauthenticated);
    await expect(oauth.refreshAccessToken()).rejects.toThrow("invalid_grant");
    const collected = await raw(url);
    expect(collected.status).toBe(404);
    expect(collected.text).toContain("<Code>NoSuchKey</Code>");

    const renewed = await newSession(emulator, protocol, { user: session.user, resources: ["youtube.channel"] });
    const again = await renewed.client.initiatePortabilityArchive({ resources: ["youtube.channel"] });
    expect(again.archiveJobId).not.toBe(archiveJobId);
    emulator.clock.advance(emulator.settings().jobDurationMs);
    const state = await renewed.client.getPortabilityArchiveState({ name: stateName(again.archiveJobId) });
    expect((await raw(state.urls[0]!)).status).toBe(200);
  });
});
