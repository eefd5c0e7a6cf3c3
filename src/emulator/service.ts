/**
 * The DataPortabilityService implementation: the rules of reference §1 and
 * §4 on top of the emulator's state. Serves gRPC, gRPC-web and Connect
 * through connect-node, and REST through the REST handler.
 */
import { create } from "@bufbuild/protobuf";
import { EmptySchema, timestampFromMs, timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  AccessType,
  CancelPortabilityArchiveResponseSchema,
  CheckAccessTypeResponseSchema,
  DataPortabilityService,
  InitiatePortabilityArchiveResponseSchema,
  PortabilityArchiveState_State as State,
  PortabilityArchiveStateSchema,
  RetryPortabilityArchiveResponseSchema,
  type InitiatePortabilityArchiveRequest,
} from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { archiveFileName } from "./archive.js";
import type { EmulatorCore } from "./core.js";
import {
  exhaustedOneTime,
  exhaustedTimeBased,
  failedPrecondition,
  invalidArgument,
  jobAlreadyExists,
  jobNotFound,
} from "./errors.js";
import type { Job } from "./jobs.js";
import type { Grant } from "./oauth-store.js";
import { authenticateCall, requireGroups } from "./service-auth.js";
import { ARCHIVE_PATH_PREFIX } from "./signed-url.js";

const MIN_SECONDS = -62135596800n; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z

const jobName = /^archiveJobs\/([^/]+)$/;
const stateName = /^archiveJobs\/([^/]+)\/portabilityArchiveState$/;

/** The id in a resource name, or INVALID_ARGUMENT naming the field and value. */
function parseName(name: string, pattern: RegExp, shape: string): string {
  const id = pattern.exec(name)?.[1];
  if (id === undefined) throw invalidArgument(`name must look like "${shape}", got ${JSON.stringify(name)}`);
  return id;
}

/** RFC 3339 text of a timestamp (for messages). */
function rfc3339(ts: Timestamp): string {
  return new Date(timestampMs(ts)).toISOString();
}

function checkTimestamp(field: string, ts: Timestamp | undefined): void {
  if (ts === undefined) return;
  if (ts.seconds < MIN_SECONDS || ts.seconds > MAX_SECONDS || ts.nanos < 0 || ts.nanos > 999_999_999) {
    throw invalidArgument(`${field} is not a valid timestamp (seconds ${ts.seconds}, nanos ${ts.nanos})`);
  }
}

function compareTimestamps(a: Timestamp, b: Timestamp): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanos - b.nanos;
}

/** Validates the initiate request; returns the unique resource groups. */
function checkInitiate(core: EmulatorCore, req: InitiatePortabilityArchiveRequest): string[] {
  if (req.resources.length === 0) throw invalidArgument("resources must name at least one resource group");
  for (const group of req.resources) {
    if (!core.isKnownGroup(group)) {
      throw invalidArgument(`resources contains an unknown resource group ${JSON.stringify(group)}`);
    }
  }
  checkTimestamp("start_time", req.startTime);
  checkTimestamp("end_time", req.endTime);
  if (req.startTime !== undefined && req.endTime !== undefined && compareTimestamps(req.startTime, req.endTime) > 0) {
    throw invalidArgument(
      `start_time ${rfc3339(req.startTime)} is after end_time ${rfc3339(req.endTime)}`,
    );
  }
  return [...new Set(req.resources)];
}

/** A job of the caller's (user, project), or NOT_FOUND. */
function callerJob(core: EmulatorCore, grant: Grant, id: string, name: string): Job {
  const job = core.jobs.get(id);
  if (job === undefined || job.user !== grant.user || job.project !== grant.project) throw jobNotFound(name);
  return job;
}

function downloadUrls(core: EmulatorCore, job: Job): string[] {
  if (!core.jobs.archiveAvailable(job)) return [];
  const path = `${ARCHIVE_PATH_PREFIX}${job.id}/${archiveFileName(job)}`;
  return [core.signer.sign(core.baseUrl, path, core.clock.nowMs() + core.settings().urlTtlMs)];
}

function initiate(core: EmulatorCore, req: InitiatePortabilityArchiveRequest, ctx: HandlerContext) {
  const grant = authenticateCall(core, ctx);
  const groups = checkInitiate(core, req);
  requireGroups(grant, groups);
  const timeBased = grant.accessType === "time-based";
  const init = {
    user: grant.user,
    project: grant.project,
    resources: groups,
    accessType: timeBased ? AccessType.TIME_BASED : AccessType.ONE_TIME,
    startTime: req.startTime,
    endTime: req.endTime,
  };
  const running = core.jobs.findIdentical(init);
  if (running !== undefined) throw jobAlreadyExists(running.id, timeBased);
  const now = core.clock.nowMs();
  const settings = core.settings();
  if (!timeBased) {
    const previous = core.ledger.exhausted(grant.user, grant.project, groups);
    if (previous !== undefined) throw exhaustedOneTime(previous.groups, previous.jobIds);
  } else {
    const cooldown = core.ledger.cooldown(grant.user, grant.project, groups, now, settings.cooldownMs);
    if (cooldown !== undefined) {
      const code =
        settings.timeBasedCooldownCode === "failed-precondition" ? Code.FailedPrecondition : Code.ResourceExhausted;
      const after = new Date(cooldown.allowedAt).toISOString().replace(/\.\d{3}Z$/, "Z");
      throw exhaustedTimeBased(cooldown.groups, cooldown.jobIds, after, code);
    }
  }
  const job = core.jobs.create(init);
  core.ledger.record(grant.user, grant.project, job.id, timeBased ? [] : groups, timeBased ? groups : [], now);
  return create(InitiatePortabilityArchiveResponseSchema, { archiveJobId: job.id, accessType: job.accessType });
}

/** Creates the service implementation over `core`. */
export function createServiceImpl(core: EmulatorCore): ServiceImpl<typeof DataPortabilityService> {
  return {
    initiatePortabilityArchive: (req, ctx) => initiate(core, req, ctx),

    getPortabilityArchiveState(req, ctx) {
      const grant = authenticateCall(core, ctx);
      const id = parseName(req.name, stateName, "archiveJobs/{archive_job}/portabilityArchiveState");
      const job = callerJob(core, grant, id, req.name);
      requireGroups(grant, job.resources);
      return create(PortabilityArchiveStateSchema, {
        state: job.state,
        urls: job.state === State.COMPLETE ? downloadUrls(core, job) : [],
        name: `archiveJobs/${job.id}/portabilityArchiveState`,
        startTime: job.startTime,
        exportTime: job.endTime ?? timestampFromMs(job.createdAt),
      });
    },

    retryPortabilityArchive(req, ctx) {
      const grant = authenticateCall(core, ctx);
      const id = parseName(req.name, jobName, "archiveJobs/{archive_job}");
      const job = callerJob(core, grant, id, req.name);
      requireGroups(grant, job.resources);
      if (job.state !== State.FAILED) {
        throw failedPrecondition(`Archive job ${job.id} is ${State[job.state]}; only a FAILED job can be retried.`);
      }
      if (job.retriedAs !== undefined) {
        throw failedPrecondition(`Archive job ${job.id} was already retried as job ${job.retriedAs}; retry that job instead.`);
      }
      const maxRetries = core.settings().maxRetries;
      if (job.attempt >= maxRetries) {
        throw failedPrecondition(
          `Archive job ${job.rootId} has been retried ${job.attempt} times, the limit is ${maxRetries}; start a new export instead.`,
        );
      }
      const retry = core.jobs.create({
        user: job.user,
        project: job.project,
        resources: job.resources,
        accessType: job.accessType,
        startTime: job.startTime,
        endTime: job.endTime,
        retryOf: job,
      });
      return create(RetryPortabilityArchiveResponseSchema, { archiveJobId: retry.id });
    },

    cancelPortabilityArchive(req, ctx) {
      const grant = authenticateCall(core, ctx);
      const id = parseName(req.name, jobName, "archiveJobs/{archive_job}");
      const job = callerJob(core, grant, id, req.name);
      if (job.state !== State.IN_PROGRESS) {
        throw failedPrecondition(`Archive job ${job.id} is ${State[job.state]}; only an IN_PROGRESS job can be cancelled.`);
      }
      core.jobs.cancel(job);
      return create(CancelPortabilityArchiveResponseSchema);
    },

    resetAuthorization(_req, ctx) {
      const grant = authenticateCall(core, ctx);
      core.oauth.revokeAll(grant.user, grant.project);
      core.ledger.clear(grant.user, grant.project);
      core.jobs.collect(grant.user, grant.project);
      return create(EmptySchema);
    },

    checkAccessType(_req, ctx) {
      const grant = authenticateCall(core, ctx);
      const timeBased = grant.accessType === "time-based";
      return create(CheckAccessTypeResponseSchema, {
        timeBasedResources: timeBased ? [...grant.resources] : [],
        oneTimeResources: timeBased ? [] : [...grant.resources],
      });
    },
  };
}
