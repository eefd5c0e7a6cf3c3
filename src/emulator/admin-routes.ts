/**
 * Admin HTTP routes under `/emulator/v1/` (JSON in, JSON out) for tests and
 * demos in other languages or processes: consent, clock, settings, faults,
 * jobs, call counts and a state snapshot. No output but the consent's
 * carries a token value.
 *
 *   GET    /emulator/v1/state                 snapshot (no token values)
 *   POST   /emulator/v1/consent               {user, project, resources, accessType, days} → tokens
 *   GET    /emulator/v1/clock                 {now}
 *   POST   /emulator/v1/clock:advance         {ms} → {now}
 *   POST   /emulator/v1/clock:set             {time} → {now}
 *   GET    /emulator/v1/settings              settings
 *   PATCH  /emulator/v1/settings              partial settings → settings
 *   GET    /emulator/v1/faults                faults by method
 *   PUT    /emulator/v1/faults/{method}       fault → faults
 *   DELETE /emulator/v1/faults[/{method}]     → faults
 *   GET    /emulator/v1/jobs                  jobs
 *   POST   /emulator/v1/jobs/{id}:fail        → job
 *   POST   /emulator/v1/jobs/{id}:complete    → job
 *   GET    /emulator/v1/calls                 calls by method
 *   DELETE /emulator/v1/calls                 resets the counts
 */
import { ConnectError } from "@connectrpc/connect";
import type { CallCounter } from "./call-counter.js";
import type { EmulatorCore } from "./core.js";
import type { FaultRegistry } from "./faults.js";
import { BodyTooLargeError, mediaType, readBody, requestPath, sendJson } from "./http-io.js";
import { jobView, settingsView, snapshot } from "./inspect.js";
import type { NodeServerRequest, NodeServerResponse } from "../rest/server/index.js";
import type { ConsentRequest } from "./oauth-store.js";
import { ADMIN_PATH_PREFIX } from "./request-route.js";

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly statusName: string,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new AdminError(400, "INVALID_ARGUMENT", message);

type Body = Record<string, unknown>;

/** Reads a JSON object body (empty means `{}`) and rejects keys outside `allowed`. */
async function readJson(req: NodeServerRequest, limit: number, allowed: readonly string[]): Promise<Body> {
  const bytes = await readBody(req, limit);
  if (bytes.length === 0) return {};
  const type = mediaType(req);
  if (type !== "application/json") {
    throw new AdminError(415, "INVALID_ARGUMENT", `admin routes take application/json, got ${JSON.stringify(type)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw badRequest(`invalid JSON body: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw badRequest("the JSON body must be an object");
  for (const key of Object.keys(parsed)) {
    if (!allowed.includes(key)) throw badRequest(`unknown field ${JSON.stringify(key)}`);
  }
  return parsed as Body;
}

/** Everything the admin routes act on. */
export interface AdminDeps {
  core: EmulatorCore;
  faults: FaultRegistry;
  calls: CallCounter;
}

type Route = (deps: AdminDeps, req: NodeServerRequest, match: RegExpExecArray) => Promise<unknown>;

const settingKeys = [
  "jobDurationMs",
  "jobOutcome",
  "timeBasedCooldownCode",
  "rotateRefreshTokens",
  "accessTokenTtlMs",
  "urlTtlMs",
  "archiveRetentionMs",
  "cooldownMs",
  "maxRetries",
];

const clockNow = (deps: AdminDeps) => ({ now: deps.core.clock.now().toISOString() });

function finishJob(deps: AdminDeps, id: string, outcome: "fail" | "complete") {
  try {
    return jobView(deps.core, deps.core.jobs.finish(id, outcome));
  } catch (err) {
    throw new AdminError(/unknown/.test((err as Error).message) ? 404 : 409, "FAILED_PRECONDITION", (err as Error).message);
  }
}

const routes: ReadonlyArray<[method: string, pattern: RegExp, route: Route]> = [
  ["GET", /^state$/, async (d) => snapshot(d.core, d.faults, d.calls)],
  [
    "POST",
    /^consent$/,
    async (d, req) => {
      const body = await readJson(req, d.core.maxBodyBytes, ["user", "project", "resources", "accessType", "days"]);
      return d.core.oauth.consent(body as unknown as ConsentRequest);
    },
  ],
  ["GET", /^clock$/, async (d) => clockNow(d)],
  [
    "POST",
    /^clock:advance$/,
    async (d, req) => {
      const { ms } = await readJson(req, d.core.maxBodyBytes, ["ms"]);
      d.core.clock.advance(ms as number);
      return clockNow(d);
    },
  ],
  [
    "POST",
    /^clock:set$/,
    async (d, req) => {
      const { time } = await readJson(req, d.core.maxBodyBytes, ["time"]);
      if (typeof time !== "string" && typeof time !== "number") throw badRequest("time must be an RFC 3339 string or epoch ms");
      d.core.clock.set(time);
      return clockNow(d);
    },
  ],
  ["GET", /^settings$/, async (d) => settingsView(d.core)],
  [
    "PATCH",
    /^settings$/,
    async (d, req) => {
      const body = await readJson(req, d.core.maxBodyBytes, settingKeys);
      if (typeof body.jobOutcome === "function") throw badRequest("jobOutcome must be a string");
      d.core.configure(body);
      return settingsView(d.core);
    },
  ],
  ["GET", /^faults$/, async (d) => d.faults.list()],
  [
    "PUT",
    /^faults\/([^/]+)$/,
    async (d, req, m) => {
      const body = await readJson(req, d.core.maxBodyBytes, ["latencyMs", "rate", "times", "effect"]);
      d.faults.set(decodeURIComponent(m[1]!), body);
      return d.faults.list();
    },
  ],
  [
    "DELETE",
    /^faults(?:\/([^/]+))?$/,
    async (d, _req, m) => {
      d.faults.clear(m[1] === undefined ? undefined : decodeURIComponent(m[1]));
      return d.faults.list();
    },
  ],
  ["GET", /^jobs$/, async (d) => d.core.jobs.list().map((job) => jobView(d.core, job))],
  ["POST", /^jobs\/([^/:]+):fail$/, async (d, _req, m) => finishJob(d, m[1]!, "fail")],
  ["POST", /^jobs\/([^/:]+):complete$/, async (d, _req, m) => finishJob(d, m[1]!, "complete")],
  ["GET", /^calls$/, async (d) => d.calls.all()],
  [
    "DELETE",
    /^calls$/,
    async (d) => {
      d.calls.reset();
      return d.calls.all();
    },
  ],
];

/** The admin error of a failure: bad input becomes 400 (413 for large bodies); undefined for anything else. */
function adminError(err: unknown): AdminError | undefined {
  if (err instanceof AdminError) return err;
  if (err instanceof BodyTooLargeError) return new AdminError(413, "INVALID_ARGUMENT", err.message);
  if (err instanceof ConnectError) return badRequest(err.rawMessage);
  if (err instanceof TypeError || err instanceof RangeError || err instanceof URIError) return badRequest(err.message);
  return undefined;
}

/** Serves one admin request. */
export async function serveAdmin(deps: AdminDeps, req: NodeServerRequest, res: NodeServerResponse): Promise<void> {
  const rest = requestPath(req).slice(ADMIN_PATH_PREFIX.length);
  try {
    const candidates = routes.filter(([, pattern]) => pattern.test(rest));
    if (candidates.length === 0) throw new AdminError(404, "NOT_FOUND", `no admin route ${JSON.stringify(requestPath(req))}`);
    const found = candidates.find(([method]) => method === req.method);
    if (found === undefined) {
      res.setHeader("allow", candidates.map(([method]) => method).join(", "));
      throw new AdminError(405, "INVALID_ARGUMENT", `method ${req.method ?? ""} is not allowed here`);
    }
    const [, pattern, route] = found;
    sendJson(res, 200, (await route(deps, req, pattern.exec(rest)!)) ?? {});
  } catch (err) {
    const error = adminError(err);
    if (error === undefined) throw err;
    sendJson(res, error.status, { error: { code: error.status, message: error.message, status: error.statusName } });
  }
}
