/**
 * The server's REST routes of a service, built as `createRestHandler` builds
 * them, for tests that match and decode requests without a socket.
 */
import type { DescMethodUnary, DescService, MessageShape } from "@bufbuild/protobuf";
import { createMethodImplSpec } from "@connectrpc/connect";
import { compileBindings } from "../../../src/rest/index.js";
import { compileRoute, decodeRequest, type RestRoute, type UnarySpec } from "../../../src/rest/server/rest-route.js";
import { createRouteTable, type RouteTable } from "../../../src/rest/server/route-table.js";

const SETTINGS = {
  interceptors: [],
  registry: undefined,
  readOptions: { ignoreUnknownFields: false },
  writeOptions: {},
  shutdownSignal: undefined,
  maxTimeoutMs: Number.MAX_SAFE_INTEGER,
};

/** The REST routes of a service, as `createRestHandler` builds them. */
export function routeTable(service: DescService): RouteTable<RestRoute> {
  const table = createRouteTable<RestRoute>();
  for (const method of service.methods) {
    if (method.methodKind !== "unary") continue;
    let bindings;
    try {
      bindings = compileBindings(method);
    } catch {
      continue; // the conformance service holds deliberately invalid rules
    }
    const spec = createMethodImplSpec(method as DescMethodUnary, (req: unknown) => req as never) as UnarySpec;
    for (const binding of bindings) {
      const route = compileRoute(spec, binding, SETTINGS);
      try {
        table.add(binding.binding.httpMethod, binding.binding.template, route, () => route.description);
      } catch {
        // a binding that clashes with an earlier one (conformance only)
      }
    }
  }
  return table;
}

/**
 * What a REST server reads from `method path?query` with `body`: the RPC
 * and its request message, or undefined when no route matches. Throws a
 * ConnectError for a request the server refuses.
 */
export function serverView(
  table: RouteTable<RestRoute>,
  httpMethod: string,
  pathAndQuery: string,
  body: string | undefined,
): { method: DescMethodUnary; message: MessageShape<DescMethodUnary["input"]> } | undefined {
  const q = pathAndQuery.indexOf("?");
  const found = table.match(httpMethod, q < 0 ? pathAndQuery : pathAndQuery.slice(0, q));
  if (found.kind !== "found") return undefined;
  const bytes = new TextEncoder().encode(body ?? "");
  const message = decodeRequest(found.target, found.segments, q < 0 ? "" : pathAndQuery.slice(q + 1), bytes, "application/json");
  return { method: found.target.method, message };
}
