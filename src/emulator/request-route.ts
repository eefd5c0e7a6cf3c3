/**
 * Tells what an incoming request is before any handler runs: an RPC (and in
 * which protocol), an OAuth call, a download, an admin call or something
 * else. Fault injection and call counting key on the method name.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { getHttpBindings } from "../rest/http-rule.js";
import { createRouteTable, type RouteTable } from "../rest/server/route-table.js";
import { requestPath } from "./http-io.js";
import type { NodeServerRequest } from "../rest/server/index.js";
import { ARCHIVE_PATH_PREFIX } from "./signed-url.js";

/** Wire protocol of an RPC request. */
export type RpcProtocol = "grpc" | "grpc-web" | "connect" | "rest";

/** Path prefix of the admin routes. */
export const ADMIN_PATH_PREFIX = "/emulator/v1/";

/** Path of the OAuth token endpoint. */
export const TOKEN_PATH = "/token";

/** Path of the OAuth revocation endpoint. */
export const REVOKE_PATH = "/revoke";

/** What a request is. */
export type RequestRoute =
  | { kind: "rpc"; protocol: RpcProtocol; method: DescMethod }
  | { kind: "token" | "revoke" | "download" | "admin" | "other" };

const rpcPrefix = `/${DataPortabilityService.typeName}/`;

let restTable: RouteTable<DescMethod> | undefined;

function restRoutes(): RouteTable<DescMethod> {
  if (restTable === undefined) {
    const table = createRouteTable<DescMethod>();
    for (const method of DataPortabilityService.methods) {
      for (const binding of getHttpBindings(method)) {
        table.add(binding.httpMethod, binding.template, method, () => `${binding.httpMethod} ${binding.pathText}`);
      }
    }
    restTable = table;
  }
  return restTable;
}

/** The REST method a request addresses, or undefined. Never throws. */
function restMethod(httpMethod: string, path: string): DescMethod | undefined {
  try {
    const match = restRoutes().match(httpMethod, path);
    return match.kind === "found" ? match.target : undefined;
  } catch {
    return undefined; // malformed paths are the REST handler's to answer
  }
}

function rpcProtocol(contentType: string): RpcProtocol {
  if (contentType.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/** Classifies a request. */
export function routeOf(req: NodeServerRequest): RequestRoute {
  const path = requestPath(req);
  if (path.startsWith(rpcPrefix)) {
    const method = DataPortabilityService.methods.find((m) => m.name === path.slice(rpcPrefix.length));
    if (method === undefined) return { kind: "other" };
    return { kind: "rpc", protocol: rpcProtocol(String(req.headers["content-type"] ?? "").toLowerCase()), method };
  }
  if (path === TOKEN_PATH) return { kind: "token" };
  if (path === REVOKE_PATH) return { kind: "revoke" };
  if (path.startsWith(ARCHIVE_PATH_PREFIX)) return { kind: "download" };
  if (path.startsWith(ADMIN_PATH_PREFIX)) return { kind: "admin" };
  const method = restMethod(req.method ?? "GET", path);
  return method === undefined ? { kind: "other" } : { kind: "rpc", protocol: "rest", method };
}

/** The name calls of a route are counted and faulted under, or undefined. */
export function routeName(route: RequestRoute): string | undefined {
  switch (route.kind) {
    case "rpc":
      return route.method.name;
    case "token":
    case "revoke":
    case "download":
      return route.kind;
    default:
      return undefined;
  }
}
