/**
 * The transport of each protocol.
 *
 * @module
 */

import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createRestTransport } from "../rest/transport.js";
import { createLazyTransport } from "./lazy-transport.js";

/** The wire protocols the client speaks. */
export type DataPortabilityProtocol = "rest" | "grpc" | "grpc-web" | "connect";

/** Options of {@link createProtocolTransport}. */
export interface ProtocolTransportOptions {
  /** Base URL of the API. */
  readonly baseUrl: string;
  /**
   * HTTP version for gRPC-web and Connect (default "1.1"). gRPC always uses
   * HTTP/2 (h2c for http:// URLs).
   */
  readonly httpVersion?: "1.1" | "2";
}

const PROTOCOLS: ReadonlySet<string> = new Set(["rest", "grpc", "grpc-web", "connect"]);

/**
 * Creates the bare transport of `protocol` (no auth, retries or
 * deadlines): REST transcoding (`createRestTransport`), or a connect-node
 * gRPC / gRPC-web / Connect transport whose module is imported on the first
 * call.
 */
export function createProtocolTransport(
  protocol: DataPortabilityProtocol,
  options: ProtocolTransportOptions,
): Transport {
  if (!PROTOCOLS.has(protocol)) {
    throw new ConnectError(
      `protocol must be one of "rest", "grpc", "grpc-web", "connect"; got ${JSON.stringify(protocol)}`,
      Code.InvalidArgument,
    );
  }
  const { baseUrl, httpVersion = "1.1" } = options;
  switch (protocol) {
    case "rest":
      return createRestTransport({ baseUrl });
    case "grpc":
      return createLazyTransport(async () =>
        (await import("@connectrpc/connect-node")).createGrpcTransport({ baseUrl }),
      );
    case "grpc-web":
      return createLazyTransport(async () =>
        (await import("@connectrpc/connect-node")).createGrpcWebTransport({ baseUrl, httpVersion }),
      );
    case "connect":
      return createLazyTransport(async () =>
        (await import("@connectrpc/connect-node")).createConnectTransport({ baseUrl, httpVersion }),
      );
  }
}
