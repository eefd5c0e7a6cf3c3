/**
 * Test helpers: a typed Data Portability client per protocol against an
 * emulator URL, and google-auth-library OAuth2Clients that refresh against
 * the emulator's token endpoint.
 */
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { OAuth2Client } from "google-auth-library";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { createRestTransport } from "../../src/rest/index.js";

/** The four wire protocols the emulator serves. */
export type ProtocolName = "grpc" | "grpc-web" | "connect" | "rest";

/** Every protocol, for parametrised suites (`describe.each(PROTOCOLS)`). */
export const PROTOCOLS: readonly ProtocolName[] = ["grpc", "grpc-web", "connect", "rest"];

/** A typed client of the service. */
export type DataPortabilityClient = Client<typeof DataPortabilityService>;

/** Where an access token comes from: an OAuth2Client, a fixed token, or a function. */
export type TokenSource = OAuth2Client | string | (() => Promise<string | undefined>);

/** Options of {@link createEmulatorTransport}. */
export interface EmulatorClientOptions {
  /** Adds `Authorization: Bearer …` to every call. */
  auth?: TokenSource;
  /** More interceptors, run after the auth interceptor. */
  interceptors?: Interceptor[];
  /** Default call timeout in milliseconds. */
  timeoutMs?: number;
  /** Largest response message accepted (REST: the whole body). */
  readMaxBytes?: number;
}

/** An interceptor that sets the `Authorization` header from a token source. */
export function bearerInterceptor(source: TokenSource): Interceptor {
  return (next) => async (req) => {
    if (source instanceof OAuth2Client) {
      const headers = await source.getRequestHeaders();
      const value = headers.get("authorization");
      if (value !== null) req.header.set("authorization", value);
    } else {
      const token = typeof source === "string" ? source : await source();
      if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    }
    return next(req);
  };
}

/** A transport for `protocol` against an emulator base URL (`http://127.0.0.1:<port>`). */
export function createEmulatorTransport(
  protocol: ProtocolName,
  baseUrl: string,
  options: EmulatorClientOptions = {},
): Transport {
  const interceptors = [
    ...(options.auth === undefined ? [] : [bearerInterceptor(options.auth)]),
    ...(options.interceptors ?? []),
  ];
  const { timeoutMs: defaultTimeoutMs, readMaxBytes } = options;
  const common = { baseUrl, interceptors, defaultTimeoutMs, readMaxBytes };
  switch (protocol) {
    case "grpc":
      return createGrpcTransport(common); // always HTTP/2
    case "grpc-web":
      return createGrpcWebTransport({ ...common, httpVersion: "1.1" });
    case "connect":
      return createConnectTransport({ ...common, httpVersion: "1.1" });
    case "rest":
      return createRestTransport({ baseUrl, interceptors, defaultTimeoutMs, maxResponseBytes: readMaxBytes });
  }
}

/** A typed client for `protocol` against an emulator base URL. */
export function createEmulatorClient(
  protocol: ProtocolName,
  baseUrl: string,
  options: EmulatorClientOptions = {},
): DataPortabilityClient {
  return createClient(DataPortabilityService, createEmulatorTransport(protocol, baseUrl, options));
}

/** The OAuth facts of a running emulator. */
export interface EmulatorOAuthEndpoints {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  revokeUrl: string;
}

/**
 * A real google-auth-library OAuth2Client whose endpoints point at the
 * emulator, holding only a refresh token: its first request refreshes.
 */
export function createEmulatorOAuthClient(emulator: EmulatorOAuthEndpoints, refreshToken: string): OAuth2Client {
  const client = new OAuth2Client({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    endpoints: { oauth2TokenUrl: emulator.tokenUrl, oauth2RevokeUrl: emulator.revokeUrl },
  });
  client.setCredentials({ refresh_token: refreshToken });
  return client;
}
