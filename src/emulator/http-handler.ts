/**
 * The emulator's request handler: one entry for every protocol and route.
 *
 *   admin (/emulator/v1/…)     → admin routes (no faults, not counted)
 *   everything else            → counted per method, body-size check,
 *                                fault decision (latency, then the effect),
 *                                then connect-node (gRPC, gRPC-web, Connect)
 *                                with the REST handler as fallback, whose own
 *                                fallback serves OAuth, downloads and 404.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { createRestHandler, type NodeHandlerFn, type NodeServerRequest, type NodeServerResponse } from "../rest/server/index.js";
import { serveAdmin } from "./admin-routes.js";
import { writeTooLarge } from "./body-limit.js";
import type { CallCounter } from "./call-counter.js";
import type { EmulatorCore } from "./core.js";
import { serveDownload } from "./download-route.js";
import { jsonWire, rpcWire, writeFaultEffect, type Wire } from "./fault-responses.js";
import { createFaultScope, withErrorFaults, type CallFault } from "./fault-scope.js";
import type { FaultRegistry } from "./faults.js";
import { declaredLength, sendJson } from "./http-io.js";
import { serveOAuth } from "./oauth-routes.js";
import { routeName, routeOf, type RequestRoute } from "./request-route.js";
import { createServiceImpl } from "./service.js";

/** What the handler needs from the server around it. */
export interface HandlerDeps {
  core: EmulatorCore;
  faults: FaultRegistry;
  calls: CallCounter;
  /** Aborted when the emulator closes. */
  shutdownSignal: AbortSignal;
  /** Waits `ms` real milliseconds; resolves false if the emulator closed meanwhile. */
  sleep(ms: number): Promise<boolean>;
  /** Keeps a response that is left open on purpose, to destroy it on close. */
  pending(res: NodeServerResponse): void;
}

function wireOf(req: NodeServerRequest, route: RequestRoute): Wire {
  if (route.kind === "rpc") return rpcWire(req, route.protocol, route.method);
  return jsonWire({ access_token: "emulator-sample", expires_in: 3599, token_type: "Bearer" });
}

/** Creates the request handler. */
export function createEmulatorHandler(deps: HandlerDeps): NodeHandlerFn {
  const { core, faults, calls, shutdownSignal } = deps;
  const scope = createFaultScope();
  const service = withErrorFaults(createServiceImpl(core), scope);
  const routes = (router: ConnectRouter) => {
    router.service(DataPortabilityService, service);
  };

  const other: NodeHandlerFn = (req, res) => {
    const route = routeOf(req);
    const fault = scope.getStore();
    if (route.kind === "token" || route.kind === "revoke") {
      const error = fault?.effect.type === "error" ? fault.effect : undefined;
      serveOAuth(core, route.kind, req, res, error).catch((err: unknown) => fail(res, err));
      return;
    }
    if (route.kind === "download") {
      serveDownload(core, req, res, fault?.effect, deps.pending);
      return;
    }
    sendJson(res, 404, {
      error: { code: 404, message: `No route for ${req.method ?? ""} ${JSON.stringify(req.url ?? "")}.`, status: "NOT_FOUND" },
    });
  };

  const rest = createRestHandler({
    routes,
    maxRequestBytes: core.maxBodyBytes,
    shutdownSignal,
    fallback: other,
  });

  const adapter = connectNodeAdapter({
    routes,
    fallback: rest,
    readMaxBytes: core.maxBodyBytes,
    jsonOptions: { ignoreUnknownFields: false },
    shutdownSignal,
  });

  async function handle(req: NodeServerRequest, res: NodeServerResponse): Promise<void> {
    const route = routeOf(req);
    if (route.kind === "admin") {
      await serveAdmin({ core, faults, calls }, req, res);
      return;
    }
    const name = routeName(route);
    if (name !== undefined) calls.increment(name);
    const size = declaredLength(req);
    if (size !== undefined && size > core.maxBodyBytes && !(route.kind === "rpc" && route.protocol === "rest")) {
      writeTooLarge(res, route, size, core.maxBodyBytes);
      return;
    }
    const fault = name === undefined ? undefined : faults.take(name);
    if (fault?.latencyMs !== undefined && fault.latencyMs > 0) {
      if (!(await deps.sleep(fault.latencyMs))) return;
    }
    const effect = fault?.effect;
    if (effect !== undefined && effect.type !== "error" && route.kind !== "download") {
      writeFaultEffect(req, res, wireOf(req, route), effect, deps.pending);
      return;
    }
    const callFault: CallFault | undefined = effect === undefined || name === undefined ? undefined : { method: name, effect };
    scope.run(callFault, () => adapter(req, res));
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => fail(res, err));
  };
}

/** Last resort for an unexpected error: 500 without internals, or a reset when the response already started. */
function fail(res: NodeServerResponse, _err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, 500, { error: { code: 500, message: "internal error", status: "INTERNAL" } });
}
