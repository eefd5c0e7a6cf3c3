/**
 * An HTTP client for the REST transport on `node:http` / `node:https` with
 * keep-alive agents (the default is the undici client). Both modules load
 * lazily on the first request, so importing the package stays cheap.
 */
import type * as NodeHttp from "node:http";
import type * as NodeHttps from "node:https";
import type { RestHttpClient, RestHttpRequest, RestHttpResponse } from "./http-client.js";
import { headersFromRaw } from "./call-objects.js";
import {
  abortReason,
  asError,
  declaredLength,
  directExchange,
  headerRecord,
  pathStartOf,
  ResponseTooLarge,
  type DirectExchange,
  type DirectHttpClient,
  type DirectRequest,
  type DirectResponse,
} from "./direct-exchange.js";

/** Default cap on the sockets per origin of the agents a node client owns. */
export const DEFAULT_NODE_MAX_SOCKETS = 256;

/** Options of {@link createNodeHttpClient}. */
export interface NodeHttpClientOptions {
  /** Agent for `http:` URLs; default: a keep-alive agent owned by the client. */
  httpAgent?: NodeHttp.Agent;
  /** Agent for `https:` URLs; default: a keep-alive agent owned by the client. */
  httpsAgent?: NodeHttps.Agent;
  /**
   * Maximum sockets per origin of the agents the client creates itself
   * (default 256); further requests wait in the agent's queue. Ignored for
   * agents passed in.
   */
  maxSockets?: number;
}

/** Where requests of one origin go. */
interface Target {
  secure: boolean;
  hostname: string;
  port: number | undefined;
}

let httpModule: typeof NodeHttp | undefined;
let httpsModule: typeof NodeHttps | undefined;

async function loadModule(secure: boolean): Promise<void> {
  if (secure) httpsModule ??= await import("node:https");
  else httpModule ??= await import("node:http");
}

function parseOrigin(origin: string): Target {
  const url = new URL(origin);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`unsupported URL scheme "${url.protocol}" (http: and https: only)`);
  }
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { secure: url.protocol === "https:", hostname, port: url.port === "" ? undefined : Number(url.port) };
}

function appendRaw(header: Headers, raw: readonly string[]): Headers {
  for (let i = 0; i + 1 < raw.length; i += 2) header.append(raw[i]!, raw[i + 1]!);
  return header;
}

/**
 * Creates an HTTP client on `node:http`/`node:https` with keep-alive
 * connections, at most `maxSockets` (default 256) per origin, for
 * `createRestTransport({ httpClient })`. Aborting the request signal
 * before the response is complete destroys the socket; network errors reject
 * with the Node error (its `code`, e.g. `ECONNREFUSED`, intact).
 */
export function createNodeHttpClient(options?: NodeHttpClientOptions): RestHttpClient {
  return createNodeClient(options);
}

/**
 * {@link createNodeHttpClient} with the transport's fast path
 * (`directExchange`) visible in the type.
 */
export function createNodeClient(options?: NodeHttpClientOptions): DirectHttpClient {
  const targets = new Map<string, Target>();
  let httpAgent = options?.httpAgent;
  let httpsAgent = options?.httpsAgent;
  const agentOptions = { keepAlive: true, maxSockets: options?.maxSockets ?? DEFAULT_NODE_MAX_SOCKETS };

  let lastOrigin = "";
  let lastTarget: Target | undefined;

  function targetOf(url: string, pathStart: number): Target {
    // Most calls go to the same origin as the previous one.
    if (lastTarget !== undefined && pathStart === lastOrigin.length && url.startsWith(lastOrigin)) {
      return lastTarget;
    }
    const origin = pathStart < 0 ? url : url.slice(0, pathStart);
    let target = targets.get(origin);
    if (target === undefined) {
      target = parseOrigin(origin);
      if (targets.size >= 64) targets.clear();
      targets.set(origin, target);
    }
    lastOrigin = origin;
    lastTarget = target;
    return target;
  }

  /** Opens a request (the module of its scheme must be loaded) and sends its body. */
  function open(
    target: Target,
    path: string,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    onResponse: (res: NodeHttp.IncomingMessage) => void,
  ): NodeHttp.ClientRequest {
    if (body !== undefined) headers["content-length"] = String(body.byteLength);
    else if (method !== "GET" && method !== "HEAD") headers["content-length"] = "0";
    const { hostname, port } = target;
    const clientRequest = target.secure
      ? httpsModule!.request(
          { hostname, port, path, method, headers, agent: (httpsAgent ??= new httpsModule!.Agent(agentOptions)) },
          onResponse,
        )
      : httpModule!.request(
          { hostname, port, path, method, headers, agent: (httpAgent ??= new httpModule!.Agent(agentOptions)) },
          onResponse,
        );
    clientRequest.end(body);
    return clientRequest;
  }

  /** Runs `run` once the module of the URL's scheme is loaded. */
  function whenLoaded<T>(url: string, run: (target: Target, path: string) => Promise<T>): Promise<T> {
    const pathStart = pathStartOf(url);
    let target: Target;
    try {
      target = targetOf(url, pathStart);
    } catch (e) {
      return Promise.reject(e);
    }
    const path = pathStart < 0 ? "/" : url.slice(pathStart);
    if (target.secure ? httpsModule !== undefined : httpModule !== undefined) return run(target, path);
    return loadModule(target.secure).then(() => run(target, path));
  }

  function stream(request: RestHttpRequest): Promise<RestHttpResponse> {
    const { signal } = request;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const headers = headerRecord(request.header);
    return whenLoaded(request.url, (target, path) =>
      new Promise<RestHttpResponse>((resolve, reject) => {
        let response: NodeHttp.IncomingMessage | undefined;
        const onAbort = (): void => {
          if (response?.complete === true) return;
          const error = asError(abortReason(signal));
          clientRequest.destroy(error);
          response?.destroy(error);
          reject(abortReason(signal));
        };
        const clientRequest = open(target, path, request.method, headers, request.body, (res) => {
          response = res;
          const trailer = new Headers();
          res.once("end", () => {
            signal.removeEventListener("abort", onAbort);
            appendRaw(trailer, res.rawTrailers);
          });
          resolve({
            status: res.statusCode ?? 0,
            header: headersFromRaw(res.rawHeaders),
            body: res as AsyncIterable<Uint8Array>,
            trailer,
          });
        });
        signal.addEventListener("abort", onAbort);
        clientRequest.on("error", (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        });
      }),
    );
  }

  function directTo(request: DirectRequest, maxBytes: number, target: Target, path: string): Promise<DirectResponse> {
    const call = request.call;
    return new Promise<DirectResponse>((resolve, reject) => {
      let settled = false;
      let response: NodeHttp.IncomingMessage | undefined;
      const fail = (reason: unknown): void => {
        if (settled) return;
        settled = true;
        if (call.onAbort === fail) call.onAbort = undefined;
        reject(reason);
        const error = asError(reason);
        clientRequest.destroy(error);
        response?.destroy(error);
      };
      const clientRequest = open(target, path, request.method, request.headers, request.body, (res) => {
        response = res;
        const declared = declaredLength(res.rawHeaders);
        if (declared > maxBytes) {
          fail(new ResponseTooLarge(declared));
          return;
        }
        let first: Buffer | undefined;
        let chunks: Buffer[] | undefined;
        let total = 0;
        res.on("data", (chunk: Buffer) => {
          total += chunk.byteLength;
          if (total > maxBytes) fail(new ResponseTooLarge(undefined));
          else if (first === undefined) first = chunk;
          else (chunks ??= [first]).push(chunk);
        });
        res.on("error", fail);
        res.on("end", () => {
          if (settled) return;
          settled = true;
          if (call.onAbort === fail) call.onAbort = undefined;
          resolve({
            status: res.statusCode ?? 0,
            rawHeaders: res.rawHeaders,
            body: chunks !== undefined ? Buffer.concat(chunks, total) : (first ?? new Uint8Array(0)),
            rawTrailers: res.rawTrailers,
          });
        });
      });
      call.onAbort = fail;
      clientRequest.on("error", fail);
    });
  }

  const direct: DirectExchange = (request, maxBytes) => {
    if (request.call.aborted) return Promise.reject(request.call.reason);
    const url = request.url;
    const pathStart = pathStartOf(url);
    const target = targetOf(url, pathStart);
    const path = pathStart < 0 ? "/" : url.slice(pathStart);
    if (target.secure ? httpsModule !== undefined : httpModule !== undefined) {
      return directTo(request, maxBytes, target, path);
    }
    return loadModule(target.secure).then(() => directTo(request, maxBytes, target, path));
  };

  return Object.assign(stream, { [directExchange]: direct });
}
