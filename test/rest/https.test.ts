/**
 * The default client over TLS: a self-signed certificate made with the
 * openssl CLI for this test (skipped where openssl is not installed).
 */
import { Agent, createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { createNodeHttpClient, createRestTransport, createUndiciHttpClient } from "../../src/index.js";
import { hasOpenssl, selfSignedCert } from "../support/tls.js";

describe.skipIf(!hasOpenssl())("REST transport over https", () => {
  let cert: Buffer;
  let server: Server;
  let agent: Agent;
  const seen: string[] = [];

  beforeAll(async () => {
    const tls = selfSignedCert();
    cert = tls.cert;
    server = createServer({ key: tls.key, cert }, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    agent = new Agent({ keepAlive: true, ca: cert });
  });

  afterAll(async () => {
    agent?.destroy();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("sends the reset call through node:https with the given agent", async () => {
    const { port } = server.address() as AddressInfo;
    const transport = createRestTransport({
      baseUrl: `https://127.0.0.1:${port}`,
      httpClient: createNodeHttpClient({ httpsAgent: agent }),
    });
    const client = createClient(DataPortabilityService, transport);
    const out = await client.resetAuthorization({});
    expect(out.$typeName).toBe("google.protobuf.Empty");
    expect(seen).toEqual(["POST /v1/authorization:reset"]);
  });

  it("the default client verifies certificates: an unknown issuer fails with Unavailable, nothing is sent", async () => {
    const { port } = server.address() as AddressInfo;
    const client = createClient(DataPortabilityService, createRestTransport({ baseUrl: `https://127.0.0.1:${port}` }));
    const before = seen.length;
    const err = await client.resetAuthorization({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
    expect((err as ConnectError).cause).toHaveProperty("code", "DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(seen.length).toBe(before);
  });

  it("the undici client trusts a CA passed in its connect options", async () => {
    const { port } = server.address() as AddressInfo;
    const transport = createRestTransport({
      baseUrl: `https://127.0.0.1:${port}`,
      httpClient: createUndiciHttpClient({ connect: { ca: cert } }),
    });
    const out = await createClient(DataPortabilityService, transport).resetAuthorization({});
    expect(out.$typeName).toBe("google.protobuf.Empty");
    expect(seen.at(-1)).toBe("POST /v1/authorization:reset");
  });
});
