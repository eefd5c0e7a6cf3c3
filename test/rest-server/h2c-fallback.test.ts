/**
 * createRestHandler as connectNodeAdapter's fallback on one port serving
 * HTTP/1.1 and h2c: the same implementation answers gRPC, Connect (HTTP/1.1
 * and HTTP/2) and REST (HTTP/1.1 and HTTP/2).
 */
import * as http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient, type ConnectRouter } from "@connectrpc/connect";
import {
  connectNodeAdapter,
  createConnectTransport,
  createGrpcTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { createRestTransport } from "../../src/rest/index.js";
import { createRestHandler } from "../../src/rest/server/index.js";
import { TranscodingService } from "../support/conformance.js";
import { listenH1AndH2c, parseEnvelope, rawRequest, type TestServer } from "./helpers.js";

function routes(router: ConnectRouter): void {
  router.service(TranscodingService, {
    getShelf(req, ctx) {
      if (req.name === "shelves/missing") throw new ConnectError("no such shelf", Code.NotFound);
      return { name: req.name, theme: ctx.protocolName };
    },
  });
}

let server: TestServer;
let baseUrl: string;
let sessions: Http2SessionManager;

beforeAll(async () => {
  server = await listenH1AndH2c(connectNodeAdapter({ routes, fallback: createRestHandler({ routes }) }));
  baseUrl = `http://127.0.0.1:${server.port}`;
  sessions = new Http2SessionManager(baseUrl);
});

afterAll(async () => {
  sessions.abort();
  await server.close();
});

/** One REST request over HTTP/2 prior knowledge (h2c). */
async function restOverH2(path: string): Promise<{ status: number; text: string }> {
  const session = http2.connect(baseUrl);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({ ":method": "GET", ":path": path });
      let status = 0;
      let text = "";
      stream.setEncoding("utf8");
      stream.on("response", (headers) => (status = Number(headers[":status"])));
      stream.on("data", (chunk: string) => (text += chunk));
      stream.on("end", () => resolve({ status, text }));
      stream.on("error", reject);
      stream.end();
    });
  } finally {
    session.close();
  }
}

describe("one h2c port, four ways in", () => {
  it("gRPC (HTTP/2)", async () => {
    const client = createClient(
      TranscodingService,
      createGrpcTransport({ baseUrl, sessionManager: sessions }),
    );
    const shelf = await client.getShelf({ name: "shelves/1" });
    expect(shelf.name).toBe("shelves/1");
    expect(shelf.theme).toBe("grpc");
  });

  it("Connect over HTTP/1.1 and HTTP/2", async () => {
    for (const transport of [
      createConnectTransport({ baseUrl, httpVersion: "1.1" }),
      createConnectTransport({ baseUrl, httpVersion: "2", sessionManager: sessions }),
    ]) {
      const shelf = await createClient(TranscodingService, transport).getShelf({ name: "shelves/2" });
      expect(shelf.theme).toBe("connect");
    }
  });

  it("REST over HTTP/1.1 (raw and through the REST transport)", async () => {
    const res = await rawRequest(server.port, { method: "GET", path: "/v1/shelves/3" });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(res.text)).toEqual({ name: "shelves/3", theme: "rest" });
    const client = createClient(TranscodingService, createRestTransport({ baseUrl }));
    expect((await client.getShelf({ name: "shelves/4" })).theme).toBe("rest");
    await expect(client.getShelf({ name: "shelves/missing" })).rejects.toMatchObject({
      code: Code.NotFound,
      rawMessage: "no such shelf",
    });
  });

  it("REST over HTTP/2", async () => {
    const ok = await restOverH2("/v1/shelves/5");
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ name: "shelves/5", theme: "rest" });
    const missing = await restOverH2("/v1/shelves/missing");
    expect(missing.status).toBe(404);
    expect(parseEnvelope(missing.text).error.status).toBe("NOT_FOUND");
    const unknown = await restOverH2("/nowhere");
    expect(unknown.status).toBe(404);
  });
});
