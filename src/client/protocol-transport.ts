/**
 * The transport of each protocol.
 *
 * @module
 */

import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createRestTransport, DEFAULT_MAX_RESPONSE_BYTES } from "../rest/transport.js";
import { createLazyTransport } from "./lazy-transport.js";

/** The wire protocols the client speaks, REST (the default) first. */
export const DATA_PORTABILITY_PROTOCOLS = Object.freeze(["rest", "grpc", "grpc-web", "connect"] as const);

/** One of {@link DATA_PORTABILITY_PROTOCOLS}. */
export type DataPortabilityProtocol = (typeof DATA_PORTABILITY_PROTOCOLS)[number];

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

const PROTOCOLS: ReadonlySet<string> = new Set(DATA_PORTABILITY_PROTOCOLS);

/**
 * Creates the bare transport of `protocol` (no auth, retries or
 * deadlines): REST transcoding (`createRestTransport`), or a connect-node
 * gRPC / gRPC-web / Connect transport whose module is imported on the first
 * call. Every protocol refuses a response message larger than
 * `DEFAULT_MAX_RESPONSE_BYTES` (32 MiB) with RESOURCE_EXHAUSTED; connect-node's
 * own default (4 GiB) would let a broken or hostile server exhaust memory.
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
  const readMaxBytes = DEFAULT_MAX_RESPONSE_BYTES;
  switch (protocol) {
    case "rest":
      return createRestTransport({ baseUrl });
    case "grpc":
      return createLazyTransport(async () =>
        (await import("@connectrpc/connect-node")).createGrpcTransport({ baseUrl, readMaxBytes }),
      );
    case "grpc-web":
      return createLazyTransport(async () =>
        (await import("@connectrpc/connect-node")).createGrpcWebTransport({ baseUrl, httpVersion, readMaxBytes }),
      );
    case "connect":
      return createLazyTransport(async () =>
        (await import("@connectrpc/connect-node")).createConnectTransport({ baseUrl, httpVersion, readMaxBytes }),
      );
  }
}
