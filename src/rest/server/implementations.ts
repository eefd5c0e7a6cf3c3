/**
 * Collects the service implementations that a `routes` function registers on
 * a `ConnectRouter`, so that they can be invoked directly.
 *
 * connect-es keeps implementations inside protocol handlers
 * (`router.handlers`) and offers no way to read them back. This module hands
 * the `routes` function a router that forwards every registration to a real
 * `createConnectRouter()` router (so `handlers` stays genuine) and records
 * the `MethodImplSpec` (built with connect-es' own `createServiceImplSpec` /
 * `createMethodImplSpec`, so unimplemented methods answer `Unimplemented`
 * exactly as over Connect) together with the registration options.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import {
  createConnectRouter,
  createMethodImplSpec,
  createServiceImplSpec,
  type ConnectRouter,
  type MethodImplSpec,
} from "@connectrpc/connect";
import type { UniversalHandlerOptions } from "@connectrpc/connect/protocol";

/** An implementation registered on the router, with its registration options. */
export interface RegisteredImplementation {
  spec: MethodImplSpec;
  options: Partial<UniversalHandlerOptions> | undefined;
}

/**
 * Runs `routes` against a recording router and returns the implementation of
 * every registered method. A method registered twice keeps the last
 * registration (as `connectNodeAdapter` does).
 */
export function collectImplementations(
  routes: (router: ConnectRouter) => void,
): ReadonlyMap<DescMethod, RegisteredImplementation> {
  const inner = createConnectRouter();
  const found = new Map<DescMethod, RegisteredImplementation>();
  const router: ConnectRouter = {
    get handlers() {
      return inner.handlers;
    },
    service(service, implementation, options) {
      inner.service(service, implementation, options);
      const spec = createServiceImplSpec(service, implementation);
      for (const method of service.methods) {
        const methodSpec = spec.methods[method.localName];
        if (methodSpec !== undefined) found.set(method, { spec: methodSpec, options });
      }
      return router;
    },
    rpc(method, implementation, options) {
      inner.rpc(method, implementation, options);
      found.set(method, { spec: createMethodImplSpec(method, implementation), options });
      return router;
    },
  };
  routes(router);
  return found;
}
