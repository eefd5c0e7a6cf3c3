/**
 * A Transport that builds its real transport on first use.
 *
 * @module
 */

import { Code, ConnectError, type Transport } from "@connectrpc/connect";

/**
 * Creates a Transport that calls `load` on the first call (not before), and
 * delegates every call to the transport it resolves to. Used to import
 * `@connectrpc/connect-node` only when a gRPC, gRPC-web or Connect client
 * actually makes a call. A failed load fails that call with UNAVAILABLE (or
 * the ConnectError `load` threw) and is tried again on the next call.
 */
export function createLazyTransport(load: () => Promise<Transport>): Transport {
  let transport: Transport | undefined;
  let loading: Promise<Transport> | undefined;
  function get(): Promise<Transport> {
    loading ??= load().then(
      (t) => (transport = t),
      (e: unknown) => {
        loading = undefined;
        throw e instanceof ConnectError
          ? e
          : new ConnectError("could not load the transport", Code.Unavailable, undefined, undefined, e);
      },
    );
    return loading;
  }
  return {
    unary(method, signal, timeoutMs, header, input, contextValues) {
      if (transport !== undefined) {
        return transport.unary(method, signal, timeoutMs, header, input, contextValues);
      }
      return get().then((t) => t.unary(method, signal, timeoutMs, header, input, contextValues));
    },
    stream(method, signal, timeoutMs, header, input, contextValues) {
      if (transport !== undefined) {
        return transport.stream(method, signal, timeoutMs, header, input, contextValues);
      }
      return get().then((t) => t.stream(method, signal, timeoutMs, header, input, contextValues));
    },
  };
}
