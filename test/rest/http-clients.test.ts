/**
 * The built-in HTTP clients behind createRestTransport, each against real
 * local servers: the default (undici, fast path), undici driven through its
 * streaming `RestHttpClient` interface, and the node:http client. Every one
 * must show the same behaviour: headers, trailers, header-injection
 * refusal, deadlines, resets, refused connections, size limits and its cap
 * on connections per origin.
 */
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { Code, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import {
  createNodeHttpClient,
  createRestTransport,
  createUndiciHttpClient,
  DEFAULT_NODE_MAX_SOCKETS,
  DEFAULT_UNDICI_CONNECTIONS,
  type RestHttpClient,
  type RestTransportOptions,
} from "../../src/index.js";
import { TranscodingService } from "../support/conformance.js";
import type { CaptureServer } from "./support/http-server.js";
import {
  closed,
  endlessBody,
  freePort,
  HUGE_BODY_BYTES,
  hugeBody,
  rejection,
  useCaptureServers,
} from "./support/transport-helpers.js";

const serve = useCaptureServers();

/** Hides the fast path: the transport drives the client through `RestHttpClient` only. */
function unknownMake(client: RestHttpClient): RestHttpClient {
  return (request) => client(request);
}

interface ClientCase {
  name: string;
  /** `undefined` = the transport's default. */
  make: (cap?: number) => RestHttpClient | undefined;
}

const CASES: ClientCase[] = [
  { name: "the default client (undici)", make: (cap) => (cap === undefined ? undefined : createUndiciHttpClient({ connections: cap })) },
  { name: "undici through its streaming interface", make: (cap) => unknownMake(createUndiciHttpClient({ connections: cap })) },
  { name: "the node:http client", make: (cap) => createNodeHttpClient({ maxSockets: cap }) },
];

describe.each(CASES)("$name", ({ make }) => {
  function transport(baseUrl: string, more: Partial<RestTransportOptions> = {}, cap?: number): Transport {
    const httpClient = make(cap);
    return createRestTransport({ baseUrl, ...(httpClient !== undefined ? { httpClient } : {}), ...more });
  }

  it("sends the reset call and shows response headers and trailers to interceptors", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "x-server": "s1", trailer: "x-checksum" });
      res.write("{}");
      res.addTrailers({ "x-checksum": "abc" });
      res.end();
    });
    const seen: (string | null)[] = [];
    const spy: Interceptor = (next) => async (req) => {
      const res = await next(req);
      seen.push(res.header.get("x-server"), res.trailer.get("x-checksum"));
      return res;
    };
    const client = createClient(DataPortabilityService, transport(server.url, { interceptors: [spy] }));
    const out = await client.resetAuthorization({}, { headers: { authorization: "Bearer t" } });
    expect(out.$typeName).toBe("google.protobuf.Empty");
    expect(seen).toEqual(["s1", "abc"]);
    const sent = server.requests[0]!;
    expect([sent.method, sent.url, sent.headers["content-length"], sent.body.toString()]).toEqual([
      "POST",
      "/v1/authorization:reset",
      "2",
      "{}",
    ]);
    expect(sent.headers["authorization"]).toBe("Bearer t");
  });

  it("refuses a header value with CR/LF (InvalidArgument) and sends nothing", async () => {
    const server = await serve();
    const client = createClient(DataPortabilityService, transport(server.url));
    for (const value of ["a\r\nX-Injected: 1", "a\nb", "a\rb"]) {
      const err = await rejection(client.resetAuthorization({}, { headers: { "x-note": value } }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.message).not.toContain("X-Injected: 1");
    }
    expect(server.requests).toHaveLength(0);
    // The connection pool is still usable.
    await client.resetAuthorization({});
    expect(server.requests).toHaveLength(1);
  });

  it("fails at the deadline when the server never answers, and closes the connection", async () => {
    const server = await serve(() => {});
    const client = createClient(DataPortabilityService, transport(server.url));
    const err = await rejection(client.resetAuthorization({}, { timeoutMs: 120 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    await closed(server.sockets[0]);
  });

  it("a never-ending body fails at the deadline and the connection is closed", async () => {
    const endless = endlessBody();
    const server = await serve(endless.handler);
    const client = createClient(DataPortabilityService, transport(server.url));
    const err = await rejection(client.resetAuthorization({}, { timeoutMs: 150 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    await closed(server.sockets[0]);
    endless.stop();
  });

  it("an abort signal cancels the call and closes the connection", async () => {
    const server = await serve(() => {});
    const client = createClient(DataPortabilityService, transport(server.url));
    const controller = new AbortController();
    const pending = client.resetAuthorization({}, { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect((await rejection(pending)).code).toBe(Code.Canceled);
    await closed(server.sockets[0]);
  });

  it("a connection closed mid-body is Unavailable with code ECONNRESET", async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"name":');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const client = createClient(TranscodingService, transport(server.url));
    const err = await rejection(client.getShelf({ name: "shelves/1" }));
    expect(err.code).toBe(Code.Unavailable);
    expect((err.cause as { code?: unknown }).code).toBe("ECONNRESET");
  });

  it("a refused connection is Unavailable with code ECONNREFUSED", async () => {
    const port = await freePort();
    const client = createClient(DataPortabilityService, transport(`http://127.0.0.1:${port}`));
    const err = await rejection(client.resetAuthorization({}));
    expect(err.code).toBe(Code.Unavailable);
    expect((err.cause as { code?: unknown }).code).toBe("ECONNREFUSED");
  });

  it("a body over maxResponseBytes (declared or streamed) is ResourceExhausted and the connection is closed", async () => {
    const declared = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "10000" });
      res.write("{");
    });
    const small = createClient(DataPortabilityService, transport(declared.url, { maxResponseBytes: 1000 }));
    expect((await rejection(small.resetAuthorization({}))).code).toBe(Code.ResourceExhausted);
    await closed(declared.sockets[0]);

    const huge = hugeBody();
    const streamed = await serve(huge.handler);
    const client = createClient(DataPortabilityService, transport(streamed.url, { maxResponseBytes: 256 * 1024 }));
    expect((await rejection(client.resetAuthorization({}))).code).toBe(Code.ResourceExhausted);
    await closed(streamed.sockets[0]);
    expect(huge.written()).toBeLessThan(HUGE_BODY_BYTES);
  });

  it("carries an error's response headers in metadata", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "3" });
      res.end(JSON.stringify({ error: { code: 503, message: "later", status: "UNAVAILABLE" } }));
    });
    const client = createClient(DataPortabilityService, transport(server.url));
    const err = await rejection(client.resetAuthorization({}));
    expect([err.code, err.rawMessage, err.metadata.get("retry-after")]).toEqual([Code.Unavailable, "later", "3"]);
  });

  it("queues calls beyond its connection cap instead of opening more connections", async () => {
    const { server, release } = await holdingServer(2);
    const client = createClient(DataPortabilityService, transport(server.url, {}, 2));
    const calls = Array.from({ length: 8 }, () => client.resetAuthorization({}));
    await release;
    await Promise.all(calls);
    expect(server.requests).toHaveLength(8);
    expect(server.sockets.length).toBe(2);
  });
});

/**
 * A capture server that holds every request until `count` are pending, then
 * (after a short pause in which more connections could arrive) answers all.
 */
async function holdingServer(count: number): Promise<{ server: CaptureServer; release: Promise<void> }> {
  const held: ServerResponse[] = [];
  let open = false;
  let opened: () => void = () => {};
  const release = new Promise<void>((resolve) => (opened = resolve));
  const answer = (res: ServerResponse): void => {
    res.setHeader("content-type", "application/json");
    res.end("{}");
  };
  const server = await serve((_req, res) => {
    if (open) return answer(res);
    held.push(res);
    if (held.length === count) {
      setTimeout(() => {
        open = true;
        held.splice(0).forEach(answer);
        opened();
      }, 100);
    }
  });
  return { server, release };
}

describe("default connection caps", () => {
  it.each([
    ["the default undici client", undefined, DEFAULT_UNDICI_CONNECTIONS],
    ["the node:http client", () => createNodeHttpClient(), DEFAULT_NODE_MAX_SOCKETS],
  ])("%s opens at most 256 connections per origin", async (_name, make, cap) => {
    expect(cap).toBe(256);
    const { server, release } = await holdingServer(cap);
    const httpClient = make?.();
    const client = createClient(
      DataPortabilityService,
      createRestTransport({ baseUrl: server.url, ...(httpClient !== undefined ? { httpClient } : {}) }),
    );
    const calls = Array.from({ length: cap + 40 }, () => client.resetAuthorization({}));
    await release;
    await Promise.all(calls);
    expect(server.requests).toHaveLength(cap + 40);
    expect(server.sockets.length).toBe(cap);
  }, 30_000);
});
