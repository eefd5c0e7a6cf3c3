/**
 * createRestHandler on a real node:http server: error envelopes and HTTP
 * statuses, request limits, the handler context given to implementations,
 * query system parameters, bodies, interceptors and the fallback.
 */
import * as http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
  type ConnectRouter,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { createRestHandler, type RestHandler } from "../../src/rest/server/index.js";
import { TranscodingService } from "../support/conformance.js";
import {
  expectEnvelope,
  listen,
  rawRequest,
  type RawResponse,
  type TestServer,
} from "./helpers.js";

const tenant = createContextKey("none", { description: "tenant" });

/** What the implementations saw, for assertions. */
const seen: {
  context?: HandlerContext;
  abortReason?: unknown;
  checkout?: { id: bigint; bookNames: string[] };
  interceptedHeader?: string | null;
} = {};
let started: () => void = () => {};
let aborted: () => void = () => {};

function routes(router: ConnectRouter): void {
  router.service(TranscodingService, {
    getShelf(req, ctx) {
      seen.context = ctx;
      switch (req.name) {
        case "shelves/exhausted":
          throw new ConnectError(
            "quota exceeded for export jobs",
            Code.ResourceExhausted,
            { "x-quota-limit": "10" },
            [
              {
                desc: ErrorInfoSchema,
                value: { reason: "RATE_LIMIT_EXCEEDED", domain: "example.test", metadata: { quota: "10" } },
              },
            ],
          );
        case "shelves/boom":
          throw new Error("secret internal detail at /srv/app/db.ts:42");
        case "shelves/denied":
          ctx.responseHeader.set("x-before-error", "kept");
          throw new ConnectError("no access", Code.PermissionDenied);
        case "shelves/headers":
          ctx.responseHeader.set("x-custom", "from-impl");
          ctx.responseTrailer.set("x-checksum", "abc");
          return { name: req.name, theme: ctx.requestHeader.get("authorization") ?? "" };
        case "shelves/context":
          return {
            name: ctx.protocolName,
            theme: `${ctx.requestMethod} ${String(ctx.timeoutMs())} ${ctx.values.get(tenant)}`,
          };
        case "shelves/slow":
          started();
          return new Promise((_, reject) => {
            ctx.signal.addEventListener("abort", () => {
              seen.abortReason = ctx.signal.reason;
              aborted();
              reject(ctx.signal.reason);
            });
          });
      }
      return { name: req.name, theme: "plain" };
    },
    updateCheckout(req) {
      seen.checkout = { id: req.id, bookNames: req.bookNames };
      return req;
    },
    listCheckouts(req) {
      return { checkouts: [{ id: 1n, bookNames: [req.name] }, { id: 2n }] };
    },
    deleteBook() {
      return {};
    },
    createBook(req) {
      return {
        name: `${req.parent}/books/${req.bookId}`,
        title: req.book?.title,
        labels: req.book?.labels,
      };
    },
    listShelves(req) {
      return { nextPageToken: req.pageToken, shelves: [{ name: `size-${req.pageSize}` }] };
    },
    // Every other method stays unimplemented.
  });
}

const intercept: Interceptor = (next) => async (req) => {
  seen.interceptedHeader = req.header.get("x-trace");
  const res = await next(req);
  res.header.set("x-intercepted", req.method.name);
  return res;
};

let server: TestServer;
let handler: RestHandler;
const fallbackHits: string[] = [];

beforeAll(async () => {
  handler = createRestHandler({
    routes,
    interceptors: [intercept],
    maxRequestBytes: 1024,
    contextValues: (req) => createContextValues().set(tenant, String(req.headers["x-tenant"] ?? "")),
  });
  server = await listen(handler);
});

afterAll(async () => {
  await server.close();
});

function get(path: string, headers?: Record<string, string>) {
  return rawRequest(server.port, { method: "GET", path, headers });
}

describe("errors thrown by implementations", () => {
  it("ResourceExhausted with ErrorInfo → 429 in Google's envelope, metadata as headers", async () => {
    const res = await get("/v1/shelves/exhausted");
    const error = expectEnvelope(res, 429, "RESOURCE_EXHAUSTED");
    expect(res.headers["x-quota-limit"]).toBe("10");
    expect(error.message).toBe("quota exceeded for export jobs");
    expect(error.details?.[0]?.["@type"]).toBe("type.googleapis.com/google.rpc.ErrorInfo");
    expect(error.details?.[0]).toMatchObject({
      reason: "RATE_LIMIT_EXCEEDED",
      domain: "example.test",
      metadata: { quota: "10" },
    });
  });

  it("an unknown error → 500 INTERNAL with a generic message, nothing leaked", async () => {
    const res = await get("/v1/shelves/boom");
    const error = expectEnvelope(res, 500, "INTERNAL");
    expect(error).toEqual({ code: 500, message: "internal error", status: "INTERNAL" });
    expect(res.text).not.toContain("secret");
    expect(res.text).not.toContain("db.ts");
  });

  it("response headers set before the error are kept", async () => {
    const res = await get("/v1/shelves/denied");
    expectEnvelope(res, 403, "PERMISSION_DENIED");
    expect(res.headers["x-before-error"]).toBe("kept");
  });

  it("a registered but unimplemented method → 501 UNIMPLEMENTED", async () => {
    const res = await get("/v1/names/x");
    expectEnvelope(res, 501, "UNIMPLEMENTED");
  });
});

describe("refusals by the transcoder", () => {
  it("no route → 404 NOT_FOUND", async () => {
    const res = await get("/v9/nothing/here");
    expectEnvelope(res, 404, "NOT_FOUND");
  });

  it("path matches another method → 405 with Allow", async () => {
    const res = await rawRequest(server.port, { method: "POST", path: "/v1/shelves/1/books/1", body: "{}" });
    expectEnvelope(res, 405, "UNIMPLEMENTED");
    expect(res.headers["allow"]).toBe("DELETE, GET, PATCH");
  });

  it.each([
    ["malformed path escape", "/v1/shelves/a%zz"],
    ["truncated path escape", "/v1/shelves/a%2"],
    ["path escape that is not UTF-8", "/v1/shelves/%FF"],
    ["malformed query escape", "/v1/shelves?pageToken=%zz"],
    ["unknown query parameter", "/v1/shelves?pageSize=1&bogus=2"],
    ["undecodable query value", "/v1/shelves?pageSize=ten"],
    ["singular query parameter given twice", "/v1/shelves?pageSize=1&page_size=2"],
    ["query naming a path-bound field", "/v1/shelves/1?name=x"],
    ["query naming a message field", "/v1/messages/1?sub=x"],
    ["query naming a map field", "/v2/q?stringMap=x"],
    ["query naming a repeated message field", "/v2/q?recursiveList.stringValue=x"],
    ["query naming a field inside a WKT", "/v2/q?timestamp.seconds=1"],
    ["request target not starting with /", "*"],
  ])("%s → 400 INVALID_ARGUMENT", async (_, path) => {
    const res = await get(path);
    expectEnvelope(res, 400, "INVALID_ARGUMENT");
  });

  it.each([
    ["malformed JSON", "{\"bookNames\": ["],
    ["unknown body field", "{\"bookNames\":[\"a\"],\"nope\":1}"],
    ["wrong JSON type", "{\"bookNames\":\"a\"}"],
    ["JSON that is not an object", "[1,2]"],
    ["duplicate keys", "{\"bookNames\":[\"a\"],\"bookNames\":[\"b\"]}"],
  ])("body with %s → 400 INVALID_ARGUMENT", async (_, body) => {
    const res = await rawRequest(server.port, { method: "PUT", path: "/v2/checkouts/7", body });
    expectEnvelope(res, 400, "INVALID_ARGUMENT");
  });

  it("a non-JSON content type → 415", async () => {
    const res = await rawRequest(server.port, {
      method: "PUT",
      path: "/v2/checkouts/7",
      body: "bookNames=a",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expectEnvelope(res, 415, "INVALID_ARGUMENT");
  });

  it("a body on a method without body → 400", async () => {
    const res = await rawRequest(server.port, { method: "GET", path: "/v1/shelves/1", body: "{}" });
    expectEnvelope(res, 400, "INVALID_ARGUMENT");
  });

  it("a body over maxRequestBytes (content-length) → 413, and the server keeps serving", async () => {
    const body = JSON.stringify({ bookNames: ["x".repeat(2000)] });
    const res = await rawRequest(server.port, { method: "PUT", path: "/v2/checkouts/7", body });
    expectEnvelope(res, 413, "INVALID_ARGUMENT");
    const after = await get("/v1/shelves/ok");
    expect(after.status).toBe(200);
  });

  it("a chunked body over maxRequestBytes → 413 once the limit is passed", async () => {
    const res = await new Promise<RawResponse>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: server.port, method: "PUT", path: "/v2/checkouts/7", agent: false },
        (r) => {
          let text = "";
          r.setEncoding("utf8");
          r.on("data", (c: string) => (text += c));
          r.on("end", () => resolve({ status: r.statusCode ?? 0, headers: r.headers, text }));
        },
      );
      req.on("error", reject);
      req.setHeader("content-type", "application/json");
      req.write('{"bookNames":["');
      req.write("y".repeat(1500));
      req.end('"]}');
    });
    expectEnvelope(res, 413, "INVALID_ARGUMENT");
    expect((await get("/v1/shelves/ok")).status).toBe(200);
  });
});

describe("request decoding", () => {
  it("an empty body on a body:\"*\" binding is read as {}", async () => {
    const res = await rawRequest(server.port, { method: "PUT", path: "/v2/checkouts/9" });
    expect(res.status, res.text).toBe(200);
    expect(seen.checkout).toEqual({ id: 9n, bookNames: [] });
    expect(JSON.parse(res.text)).toEqual({ id: "9" });
  });

  it("path values win over the same field in a body:\"*\" body", async () => {
    const res = await rawRequest(server.port, {
      method: "PUT",
      path: "/v2/checkouts/5",
      body: JSON.stringify({ id: "6", bookNames: ["b"] }),
    });
    expect(res.status).toBe(200);
    expect(seen.checkout).toEqual({ id: 5n, bookNames: ["b"] });
  });

  it("Google system parameters are accepted and ignored; access_token never echoed", async () => {
    const system =
      "access_token=SECRET-TOKEN&alt=json&prettyPrint=false&%24.xgafv=2&key=k&quotaUser=u" +
      "&fields=shelves&callback=cb&upload_protocol=raw&uploadType=media&oauth_token=SECRET-TOKEN";
    const ok = await get(`/v1/shelves?pageSize=3&${system}`);
    expect(ok.status, ok.text).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ shelves: [{ name: "size-3" }] });
    const bad = await get(`/v1/shelves?${system}&bogus=1`);
    expect(bad.status).toBe(400);
    expect(bad.text).not.toContain("SECRET");
    const star = await rawRequest(server.port, { method: "PUT", path: `/v2/checkouts/1?${system}` });
    expect(star.status).toBe(200);
  });

  it("with body:\"*\" a query field is refused", async () => {
    const res = await rawRequest(server.port, { method: "PUT", path: "/v2/checkouts/1?bookNames=a" });
    expect(expectEnvelope(res, 400, "INVALID_ARGUMENT").message).toContain("bookNames");
  });
});

describe("responses", () => {
  it("proto3 JSON with response_body selecting one field", async () => {
    const res = await get("/v2/shelves/s/books/b:checkouts");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual([{ id: "1", bookNames: ["shelves/s/books/b"] }, { id: "2" }]);
  });

  it("an empty output message → {}", async () => {
    const res = await rawRequest(server.port, { method: "DELETE", path: "/v1/shelves/1/books/2" });
    expect(res.status).toBe(200);
    expect(res.text).toBe("{}");
  });

  it("body field and query decode into the request; output JSON has canonical names", async () => {
    const res = await rawRequest(server.port, {
      method: "POST",
      path: "/v1/shelves/1/books?book_id=b7",
      body: JSON.stringify({ title: "T", labels: ["x"] }),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ name: "shelves/1/books/b7", title: "T", labels: ["x"] });
  });
});

describe("handler context", () => {
  it("requestHeader, responseHeader and responseTrailer, interceptors", async () => {
    const res = await get("/v1/shelves/headers", { authorization: "Bearer t0k", "x-trace": "tr-1" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ name: "shelves/headers", theme: "Bearer t0k" });
    expect(res.headers["x-custom"]).toBe("from-impl");
    expect(res.headers["trailer-x-checksum"]).toBe("abc");
    expect(res.headers["x-intercepted"]).toBe("GetShelf");
    expect(seen.interceptedHeader).toBe("tr-1");
    expect(seen.context?.method.name).toBe("GetShelf");
    expect(seen.context?.url).toBe(`http://127.0.0.1:${server.port}/v1/shelves/headers`);
  });

  it("protocolName, requestMethod, timeoutMs from X-Server-Timeout, context values", async () => {
    const without = await get("/v1/shelves/context", { "x-tenant": "acme" });
    expect(JSON.parse(without.text)).toEqual({ name: "rest", theme: "GET undefined acme" });
    const withTimeout = await get("/v1/shelves/context", { "x-server-timeout": "2.5" });
    const theme = (JSON.parse(withTimeout.text) as { theme: string }).theme;
    const [, ms] = theme.split(" ");
    expect(Number(ms)).toBeGreaterThan(0);
    expect(Number(ms)).toBeLessThanOrEqual(2500);
    const invalid = await get("/v1/shelves/context", { "x-server-timeout": "soon" });
    expect(invalid.status).toBe(400);
  });

  it("the signal aborts with DeadlineExceeded when X-Server-Timeout elapses → 504", async () => {
    const res = await get("/v1/shelves/slow", { "x-server-timeout": "0.05" });
    expectEnvelope(res, 504, "DEADLINE_EXCEEDED");
    expect(ConnectError.from(seen.abortReason).code).toBe(Code.DeadlineExceeded);
  });

  it("the signal aborts with Canceled when the client goes away", async () => {
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const isAborted = new Promise<void>((resolve) => (aborted = resolve));
    const req = http.request({
      host: "127.0.0.1",
      port: server.port,
      method: "GET",
      path: "/v1/shelves/slow",
      agent: false,
    });
    req.on("error", () => {});
    req.end();
    await isStarted;
    req.destroy();
    await isAborted;
    expect(ConnectError.from(seen.abortReason).code).toBe(Code.Canceled);
    expect((await get("/v1/shelves/ok")).status).toBe(200);
  });
});

describe("routing helpers", () => {
  it("matches() tells REST routes from others", () => {
    expect(handler.matches("GET", "/v1/shelves/1?x=y")).toBe(true);
    expect(handler.matches("PUT", "/v1/shelves/1/books/1")).toBe(true);
    expect(handler.matches("GET", "/v1/shelves/%zz")).toBe(true);
    expect(handler.matches("GET", "/oauth/token")).toBe(false);
    expect(handler.methods.map((m) => m.name)).toContain("GetShelf");
  });

  it("fallback serves paths no REST route matches", async () => {
    const withFallback = createRestHandler({
      routes,
      fallback: (req, res) => {
        fallbackHits.push(req.url ?? "");
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("other");
      },
    });
    const other = await listen(withFallback);
    try {
      const res = await rawRequest(other.port, { method: "GET", path: "/oauth/token?x=1" });
      expect(res.text).toBe("other");
      expect(fallbackHits).toEqual(["/oauth/token?x=1"]);
      const rest = await rawRequest(other.port, { method: "GET", path: "/v1/shelves/1" });
      expect(JSON.parse(rest.text)).toEqual({ name: "shelves/1", theme: "plain" });
    } finally {
      await other.close();
    }
  });

  it("a server with no REST routes answers 404", async () => {
    const empty = createRestHandler({ routes: () => {} });
    expect(empty.methods).toEqual([]);
    expect(empty.matches("GET", "/v1/shelves/1")).toBe(false);
    const other = await listen(empty);
    try {
      const res = await rawRequest(other.port, { method: "GET", path: "/v1/shelves/1" });
      expectEnvelope(res, 404, "NOT_FOUND");
    } finally {
      await other.close();
    }
  });
});
