/**
 * createRestTransport against real local HTTP servers: the reset call,
 * headers, interceptors, deadlines, aborts, size limits, network failures.
 */
import { describe, expect, it } from "vitest";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import {
  createNodeHttpClient,
  createRestTransport,
  VERSION,
  type RestHttpClient,
} from "../../src/index.js";
import { TranscodingService } from "../support/conformance.js";
import { testService } from "./support/descriptors.js";
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

/** A client of unknown make (no fast path): node's streaming client behind a wrapper. */
function wrappedNodeClient(): RestHttpClient {
  const inner = createNodeHttpClient();
  return (request) => inner(request);
}

describe("the reset call", () => {
  it("is POST /v1/authorization:reset with body {} and resolves to Empty", async () => {
    const server = await serve();
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    const response = await client.resetAuthorization({});
    expect(response.$typeName).toBe(EmptySchema.typeName);
    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect(sent.method).toBe("POST");
    expect(sent.url).toBe("/v1/authorization:reset");
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers["content-length"]).toBe("2");
    expect(sent.body.toString("utf8")).toBe("{}");
    expect(sent.headers["user-agent"]).toBe(`dataportability-connect/${VERSION}`);
    expect(sent.headers["x-goog-api-client"]).toBe(
      `dataportability-connect/${VERSION} gl-node/${process.versions.node} rest/${VERSION}`,
    );
    expect(sent.headers["x-server-timeout"]).toBeUndefined();
  });

  it("keeps the base URL's path prefix, appends the userAgent extra, and passes call headers", async () => {
    const server = await serve();
    const transport = createRestTransport({ baseUrl: `${server.url}/prefix/`, userAgent: "my-app/2.0" });
    const client = createClient(DataPortabilityService, transport);
    await client.resetAuthorization({}, { headers: { Authorization: "Bearer abc", "X-Extra": "1" } });
    const sent = server.requests[0]!;
    expect(sent.url).toBe("/prefix/v1/authorization:reset");
    expect(sent.headers["user-agent"]).toBe(`dataportability-connect/${VERSION} my-app/2.0`);
    expect(sent.headers["authorization"]).toBe("Bearer abc");
    expect(sent.headers["x-extra"]).toBe("1");
  });

  it("reuses one keep-alive connection for consecutive calls", async () => {
    const server = await serve();
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    for (let i = 0; i < 5; i++) await client.resetAuthorization({});
    expect(server.requests).toHaveLength(5);
    expect(server.sockets).toHaveLength(1);
  });

  it("sends a GET without body and without content-type", async () => {
    const server = await serve((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ name: "archiveJobs/1/portabilityArchiveState", state: "COMPLETE", urls: ["https://x/1"] }));
    });
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    const state = await client.getPortabilityArchiveState({ name: "archiveJobs/1/portabilityArchiveState" });
    expect(state.urls).toEqual(["https://x/1"]);
    const sent = server.requests[0]!;
    expect(sent.method).toBe("GET");
    expect(sent.url).toBe("/v1/archiveJobs/1/portabilityArchiveState");
    expect(sent.headers["content-type"]).toBeUndefined();
    expect(sent.body.length).toBe(0);
  });
});

describe("response decoding", () => {
  it("ignores unknown fields by default and fails with Internal when told not to", async () => {
    const server = await serve((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ shelves: [{ name: "shelves/1" }], futureField: 1 }));
    });
    const lenient = createClient(TranscodingService, createRestTransport({ baseUrl: server.url }));
    const list = await lenient.listShelves({});
    expect(list.shelves.map((s) => s.name)).toEqual(["shelves/1"]);
    const strict = createClient(
      TranscodingService,
      createRestTransport({ baseUrl: server.url, jsonOptions: { ignoreUnknownFields: false } }),
    );
    const err = await rejection(strict.listShelves({}));
    expect(err.code).toBe(Code.Internal);
    expect(err.rawMessage).toContain("ListShelves");
  });

  it("wraps the body into the response_body field", async () => {
    const server = await serve((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify([{ id: "7", bookNames: ["a"] }]));
    });
    const client = createClient(TranscodingService, createRestTransport({ baseUrl: server.url }));
    const out = await client.listCheckouts({ name: "shelves/1/books/2" });
    expect(server.requests[0]!.url).toBe("/v2/shelves/1/books/2:checkouts");
    expect(out.checkouts).toHaveLength(1);
    expect(out.checkouts[0]!.id).toBe(7n);
    expect(out.checkouts[0]!.bookNames).toEqual(["a"]);
  });

  it("reads an empty 200 body as the default message", async () => {
    const server = await serve((_req, res) => res.end());
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    const out = await client.resetAuthorization({});
    expect(out.$typeName).toBe("google.protobuf.Empty");
  });
});

describe("errors", () => {
  it("carries the response headers in metadata (Retry-After for a retry policy)", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
      res.end(JSON.stringify({ error: { code: 429, message: "slow down", status: "RESOURCE_EXHAUSTED" } }));
    });
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    const err = await rejection(client.resetAuthorization({}));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toBe("slow down");
    expect(err.metadata.get("retry-after")).toBe("7");
  });

  it("maps a refused connection to Unavailable with the Node error (ECONNREFUSED) as cause", async () => {
    const port = await freePort();
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    const err = await rejection(client.resetAuthorization({}));
    expect(err.code).toBe(Code.Unavailable);
    expect((err.cause as { code?: unknown }).code).toBe("ECONNREFUSED");
  });

  it("maps a connection reset mid-body to Unavailable", async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"name":');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const client = createClient(TranscodingService, createRestTransport({ baseUrl: server.url }));
    const err = await rejection(client.getShelf({ name: "shelves/1" }));
    expect(err.code).toBe(Code.Unavailable);
    expect((err.cause as { code?: unknown }).code).toBe("ECONNRESET");
  });

  it("fails a streaming method with Unimplemented naming the method", async () => {
    const service = testService([
      { name: "Watch", serverStreaming: true, rule: { pattern: { case: "get", value: "/v1/watch" } } },
    ]);
    const server = await serve();
    const client = createClient(service, createRestTransport({ baseUrl: server.url })) as unknown as Record<
      string,
      (req: object) => AsyncIterable<unknown>
    >;
    const iterate = async (): Promise<void> => {
      for await (const _ of client["watch"]!({})) {
        // nothing arrives
      }
    };
    const err = await rejection(iterate());
    expect(err.code).toBe(Code.Unimplemented);
    expect(err.rawMessage).toContain("test.rest.v1.TestService.Watch");
    expect(err.rawMessage).toContain("unary RPCs only");
    expect(server.requests).toHaveLength(0);
  });

  it("fails a method without google.api.http with Unimplemented before sending", async () => {
    const service = testService([{ name: "Plain" }]);
    const server = await serve();
    const client = createClient(service, createRestTransport({ baseUrl: server.url })) as unknown as Record<
      string,
      (req: object) => Promise<unknown>
    >;
    const err = await rejection(client["plain"]!({}));
    expect(err.code).toBe(Code.Unimplemented);
    expect(err.rawMessage).toContain("google.api.http");
    expect(server.requests).toHaveLength(0);
  });

  it("refuses path values whose reserved characters could escape their segment", async () => {
    const server = await serve((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end("{}");
    });
    const client = createClient(TranscodingService, createRestTransport({ baseUrl: server.url }));
    await client.getName({ name: "a?b=c#d\r\nX-Injected: 1" });
    const sent = server.requests[0]!;
    expect(sent.url).toBe("/v1/names/a%3Fb%3Dc%23d%0D%0AX-Injected%3A%201");
    expect(sent.headers["x-injected"]).toBeUndefined();
    for (const bad of [".", "..", ""]) {
      const err = await rejection(client.getName({ name: bad }));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toContain('"name"');
    }
    expect(server.requests).toHaveLength(1);
  });
});

describe("deadlines, aborts and size limits", () => {
  it("a server that never answers fails at the deadline and the socket is released", async () => {
    const server = await serve(() => {
      // never answer
    });
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    const err = await rejection(client.resetAuthorization({}, { timeoutMs: 150 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    await closed(server.sockets[0]);
  });

  it("announces the deadline in x-server-timeout (seconds), also to interceptors", async () => {
    const server = await serve();
    const seen: (string | null)[] = [];
    const spy: Interceptor = (next) => async (req) => {
      seen.push(req.header.get("x-server-timeout"));
      return next(req);
    };
    const bare = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    await bare.resetAuthorization({}, { timeoutMs: 1500 });
    const intercepted = createClient(
      DataPortabilityService,
      createRestTransport({ baseUrl: server.url, interceptors: [spy], defaultTimeoutMs: 30_000 }),
    );
    await intercepted.resetAuthorization({});
    expect(server.requests.map((r) => r.headers["x-server-timeout"])).toEqual(["1.5", "30"]);
    expect(seen).toEqual(["30"]);
  });

  it("defaultTimeoutMs applies when the call sets none", async () => {
    const server = await serve(() => {});
    const client = createClient(
      DataPortabilityService,
      createRestTransport({ baseUrl: server.url, defaultTimeoutMs: 100 }),
    );
    const err = await rejection(client.resetAuthorization({}));
    expect(err.code).toBe(Code.DeadlineExceeded);
    await closed(server.sockets[0]);
  });

  it("a never-ending response body fails at the deadline and the socket is destroyed", async () => {
    const endless = endlessBody();
    const server = await serve(endless.handler);
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    const err = await rejection(client.resetAuthorization({}, { timeoutMs: 200 }));
    expect(err.code).toBe(Code.DeadlineExceeded);
    await closed(server.sockets[0]);
    endless.stop();
  });

  it("an abort signal cancels the call with Canceled and releases the socket", async () => {
    const server = await serve(() => {});
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    const controller = new AbortController();
    const pending = client.resetAuthorization({}, { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const err = await rejection(pending);
    expect(err.code).toBe(Code.Canceled);
    await closed(server.sockets[0]);
  });

  it("an already aborted signal sends nothing", async () => {
    const server = await serve();
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url }));
    const err = await rejection(client.resetAuthorization({}, { signal: AbortSignal.abort() }));
    expect(err.code).toBe(Code.Canceled);
    expect(server.requests).toHaveLength(0);
  });

  it("a content-length over maxResponseBytes fails with ResourceExhausted and the socket is destroyed", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(10_000) });
      res.write("{");
    });
    const client = createClient(
      DataPortabilityService,
      createRestTransport({ baseUrl: server.url, maxResponseBytes: 1000 }),
    );
    const err = await rejection(client.resetAuthorization({}));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.rawMessage).toContain("maxResponseBytes");
    await closed(server.sockets[0]);
  });

  it("a streamed body over maxResponseBytes fails while reading, without buffering it all", async () => {
    const huge = hugeBody();
    const server = await serve(huge.handler);
    const client = createClient(
      DataPortabilityService,
      createRestTransport({ baseUrl: server.url, maxResponseBytes: 256 * 1024 }),
    );
    const err = await rejection(client.resetAuthorization({}));
    expect(err.code).toBe(Code.ResourceExhausted);
    await closed(server.sockets[0]);
    expect(huge.written()).toBeLessThan(HUGE_BODY_BYTES);
  });

  it("the same limits hold with a client of unknown make", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(Buffer.alloc(4096, 0x20));
      res.write(Buffer.alloc(4096, 0x20));
    });
    const client = createClient(
      DataPortabilityService,
      createRestTransport({ baseUrl: server.url, maxResponseBytes: 5000, httpClient: wrappedNodeClient() }),
    );
    const err = await rejection(client.resetAuthorization({}));
    expect(err.code).toBe(Code.ResourceExhausted);
    await closed(server.sockets[0]);

    const silent = await serve(() => {});
    const slow = createClient(
      DataPortabilityService,
      createRestTransport({ baseUrl: silent.url, httpClient: wrappedNodeClient() }),
    );
    const late = await rejection(slow.resetAuthorization({}, { timeoutMs: 100 }));
    expect(late.code).toBe(Code.DeadlineExceeded);
    await closed(silent.sockets[0]);
  });
});

describe("interceptors", () => {
  it("see the request as sent and the response headers and trailers", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "x-server": "s1", trailer: "x-checksum" });
      res.write("{}");
      res.addTrailers({ "x-checksum": "abc" });
      res.end();
    });
    const seen: Record<string, unknown> = {};
    const spy: Interceptor = (next) => async (req) => {
      seen["url"] = req.url;
      seen["requestMethod"] = req.requestMethod;
      seen["contentType"] = req.header.get("content-type");
      seen["userAgent"] = req.header.get("user-agent");
      seen["apiClient"] = req.header.get("x-goog-api-client");
      seen["auth"] = req.header.get("authorization");
      seen["signal"] = req.signal instanceof AbortSignal;
      req.header.set("x-added", "yes");
      const res = await next(req);
      seen["server"] = res.header.get("x-server");
      seen["trailer"] = res.trailer.get("x-checksum");
      return res;
    };
    const client = createClient(
      DataPortabilityService,
      createRestTransport({ baseUrl: server.url, interceptors: [spy] }),
    );
    await client.resetAuthorization({}, { headers: { authorization: "Bearer t" } });
    expect(seen).toEqual({
      url: `${server.url}/v1/authorization:reset`,
      requestMethod: "POST",
      contentType: "application/json",
      userAgent: `dataportability-connect/${VERSION}`,
      apiClient: `dataportability-connect/${VERSION} gl-node/${process.versions.node} rest/${VERSION}`,
      auth: "Bearer t",
      signal: true,
      server: "s1",
      trailer: "abc",
    });
    expect(server.requests[0]!.headers["x-added"]).toBe("yes");
  });

  it("run in connect-es order and may replace the request by a spread copy with a new message", async () => {
    const server = await serve();
    const order: string[] = [];
    const outer: Interceptor = (next) => async (req) => {
      order.push("outer");
      return next(req);
    };
    const rewrite: Interceptor = (next) => async (req) => {
      order.push("inner");
      if (req.stream) return next(req);
      const header = new Headers(req.header);
      header.set("x-copy", "1");
      return next({ ...req, header, message: { ...req.message, name: "shelves/9" } as typeof req.message });
    };
    const client = createClient(
      TranscodingService,
      createRestTransport({ baseUrl: server.url, interceptors: [outer, rewrite] }),
    );
    await client.getShelf({ name: "shelves/1" });
    expect(order).toEqual(["outer", "inner"]);
    const sent = server.requests[0]!;
    expect(sent.url).toBe("/v1/shelves/9");
    expect(sent.headers["x-copy"]).toBe("1");
    expect(sent.headers["user-agent"]).toBe(`dataportability-connect/${VERSION}`);
  });

  it("see encoding failures and HTTP errors as ConnectErrors", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html><title>nope</title></html>");
    });
    const codes: Code[] = [];
    const watch: Interceptor = (next) => async (req) => {
      try {
        return await next(req);
      } catch (e) {
        codes.push(ConnectError.from(e).code);
        throw e;
      }
    };
    const client = createClient(
      TranscodingService,
      createRestTransport({ baseUrl: server.url, interceptors: [watch] }),
    );
    await rejection(client.getName({ name: ".." }));
    const notFound = await rejection(client.getName({ name: "x" }));
    expect(notFound.rawMessage).toBe("HTTP 404: nope");
    expect(codes).toEqual([Code.InvalidArgument, Code.NotFound]);
    expect(server.requests).toHaveLength(1);
  });
});

describe("configuration", () => {
  it("rejects a base URL that is not http(s) when using the default client", () => {
    expect(() => createRestTransport({ baseUrl: "ftp://example.com" })).toThrow(ConnectError);
    expect(() => createRestTransport({ baseUrl: "not a url" })).toThrow(ConnectError);
  });

  it("runs on an injected HTTP client (global fetch)", async () => {
    const server = await serve();
    const viaFetch: RestHttpClient = async (request) => {
      const res = await fetch(request.url, {
        method: request.method,
        headers: request.header,
        body: request.body,
        signal: request.signal,
      });
      return {
        status: res.status,
        header: res.headers,
        body: (async function* () {
          yield new Uint8Array(await res.arrayBuffer());
        })(),
      };
    };
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: server.url, httpClient: viaFetch }));
    const out = await client.checkAccessType({});
    expect(out.$typeName).toBe("google.dataportability.v1.CheckAccessTypeResponse");
    expect(server.requests[0]!.url).toBe("/v1/accessType:check");
    expect(server.requests[0]!.headers["user-agent"]).toBe(`dataportability-connect/${VERSION}`);
  });
});
