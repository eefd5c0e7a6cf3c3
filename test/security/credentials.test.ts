/**
 * Where credentials may go:
 * - never over plain http to a non-loopback host (192.0.2.1, TEST-NET-1):
 *   refused before anything is dialled — no TCP connect, no DNS lookup —
 *   for the API URL (at construction, and per call for the auth
 *   interceptor on any transport) and for the token endpoint;
 * - never across an origin-changing redirect: the API transports do not
 *   follow redirects, the token refresh refuses them, and the archive
 *   downloader follows them without any credential;
 * - TLS verification stays on: no switch to turn it off in src/, and a
 *   self-signed server is refused on every protocol before it sees a request.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { inspect } from "node:util";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { hasOpenssl, selfSignedCert } from "../support/tls.js";
import {
  DATA_PORTABILITY_PROTOCOLS,
  createAuthInterceptor,
  createDataPortabilityClient,
  createRestTransport,
  downloadArchiveFile,
  type RestHttpClient,
} from "../../src/index.js";
import { countConnects, startCaptureServer, type CaptureServer } from "./support/capture.js";

const PROTOCOLS = DATA_PORTABILITY_PROTOCOLS;
/** TEST-NET-1: never routed. Nothing here may ever dial it. */
const NON_LOOPBACK = "http://192.0.2.1";
const TOKEN = "ya29.security-test-access-token";
const REFRESH_TOKEN = "1//security-test-refresh-token";
const CLIENT_SECRET = "security-test-client-secret";

function expectNoSecrets(value: unknown): void {
  const text = inspect(value, { depth: 8 });
  for (const secret of [TOKEN, REFRESH_TOKEN, CLIENT_SECRET]) expect(text).not.toContain(secret);
}

/** A transport that records calls and fails each at once. */
function recordingTransport(): { transport: Transport; calls: number } {
  const state = { calls: 0 };
  const fail = () => {
    state.calls++;
    return Promise.reject(new ConnectError("recorded, not sent", Code.Unavailable));
  };
  return {
    transport: { unary: fail, stream: fail },
    get calls() {
      return state.calls;
    },
  };
}

describe("no credentials over plain http to a non-loopback host", () => {
  it.each(PROTOCOLS)("%s: the client refuses the base URL at construction, nothing dialled", async (protocol) => {
    const { outcome, connects, lookups } = await countConnects(async () =>
      createDataPortabilityClient({ protocol, baseUrl: NON_LOOPBACK, auth: TOKEN }),
    );
    expect(outcome).toBeInstanceOf(ConnectError);
    expect((outcome as ConnectError).code).toBe(Code.FailedPrecondition);
    expectNoSecrets(outcome);
    expect([connects, lookups]).toEqual([0, 0]);
  });

  it("an injected transport is never called with credentials for a plain-http non-loopback URL", async () => {
    const recorder = recordingTransport();
    const { outcome } = await countConnects(async () =>
      createDataPortabilityClient({ transport: recorder.transport, baseUrl: NON_LOOPBACK, auth: TOKEN }),
    );
    expect((outcome as ConnectError).code).toBe(Code.FailedPrecondition);
    expect(recorder.calls).toBe(0);
    // Without credentials plain http is allowed: the call reaches the transport.
    const anonymous = createDataPortabilityClient({ transport: recorder.transport, baseUrl: NON_LOOPBACK, auth: false, retry: false });
    await expect(anonymous.checkAccessType({})).rejects.toMatchObject({ code: Code.Unavailable });
    expect(recorder.calls).toBe(1);
  });

  it("the auth interceptor refuses per call on the REST transport: the HTTP client is never called", async () => {
    let requests = 0;
    const httpClient: RestHttpClient = () => {
      requests++;
      return Promise.reject(new Error("must not be called"));
    };
    const client = createClient(
      DataPortabilityService,
      createRestTransport({ baseUrl: NON_LOOPBACK, httpClient, interceptors: [createAuthInterceptor({ auth: TOKEN })] }),
    );
    const { outcome, connects, lookups } = await countConnects(() => client.checkAccessType({}));
    expect((outcome as ConnectError).code).toBe(Code.FailedPrecondition);
    expectNoSecrets(outcome);
    expect([requests, connects, lookups]).toEqual([0, 0, 0]);
  });

  it("a plain-http non-loopback token endpoint is refused before the refresh is sent", async () => {
    const api = await startCaptureServer();
    try {
      const auth = new OAuth2Client({ clientId: "id", clientSecret: CLIENT_SECRET, endpoints: { oauth2TokenUrl: `${NON_LOOPBACK}/token` } });
      auth.setCredentials({ refresh_token: REFRESH_TOKEN });
      const client = createDataPortabilityClient({ baseUrl: api.url, auth, retry: false });
      const { outcome, connects, lookups } = await countConnects(() => client.checkAccessType({}));
      expect((outcome as ConnectError).code).toBe(Code.FailedPrecondition);
      expectNoSecrets(outcome);
      expect([connects, lookups, api.requests.length]).toEqual([0, 0, 0]);
    } finally {
      await api.close();
    }
  });
});

describe("no credentials across an origin-changing redirect", () => {
  let target: CaptureServer;
  let redirecting: CaptureServer;
  beforeAll(async () => {
    target = await startCaptureServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
    redirecting = await startCaptureServer((req, res) => {
      res.writeHead(307, { location: `${target.url}${req.url}` });
      res.end();
    });
  });
  afterAll(async () => {
    await redirecting.close();
    await target.close();
  });

  it.each(PROTOCOLS)("%s: the API call fails at the redirect; the other origin receives nothing", async (protocol) => {
    const before = target.requests.length;
    const client = createDataPortabilityClient({ protocol, baseUrl: redirecting.url, auth: TOKEN, retry: false, timeoutMs: 5_000 });
    const result = await client.checkAccessType({}).then(
      () => "ok",
      (e: unknown) => e,
    );
    expect(result).toBeInstanceOf(ConnectError);
    expectNoSecrets(result);
    expect(target.requests.length).toBe(before);
  });

  it("the token refresh does not follow a redirect: client secret and refresh token stay put", async () => {
    const before = target.requests.length;
    const auth = new OAuth2Client({ clientId: "id", clientSecret: CLIENT_SECRET, endpoints: { oauth2TokenUrl: `${redirecting.url}/token` } });
    auth.setCredentials({ refresh_token: REFRESH_TOKEN });
    const client = createDataPortabilityClient({ baseUrl: target.url, auth, retry: false, timeoutMs: 5_000 });
    const result = await client.checkAccessType({}).then(
      () => "ok",
      (e: unknown) => e,
    );
    expect(result).toBeInstanceOf(ConnectError);
    expectNoSecrets(result);
    expect(target.requests.length, "neither the token request nor the API call reached the other origin").toBe(before);
    expect(redirecting.requests.at(-1)?.url).toBe("/token");
  });

  it("the archive downloader follows the redirect of a signed URL without any credential", async () => {
    const dir = mkdtempSync(join(tmpdir(), "security-download-"));
    try {
      const before = target.requests.length;
      await downloadArchiveFile(`${redirecting.url}/archives/1/a.json?signature=abc`, dir, { verifyZip: false });
      const hops = [redirecting.requests.at(-1)!, target.requests.at(-1)!];
      expect(target.requests.length).toBe(before + 1);
      for (const hop of hops) {
        expect(hop.headers.authorization).toBeUndefined();
        expect(hop.headers.cookie).toBeUndefined();
        expect(hop.headers["proxy-authorization"]).toBeUndefined();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("TLS verification stays on", () => {
  const SRC = resolve(import.meta.dirname, "../../src");

  function sourceFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
    });
  }

  it("no source file turns certificate checks off", () => {
    // Code only: doc comments may mention the option ("verified unless `rejectUnauthorized: false`").
    const code = (file: string) =>
      readFileSync(file, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
    const offenders = sourceFiles(SRC).filter((file) =>
      /rejectUnauthorized\s*:\s*(?:false|0)|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity\s*:|insecureHTTPParser|--insecure/.test(code(file)),
    );
    expect(offenders).toEqual([]);
  });

  describe.skipIf(!hasOpenssl())("a self-signed server on 127.0.0.1", () => {
    let server: Http2SecureServer;
    let url: string;
    const seen: string[] = [];

    beforeAll(async () => {
      const tls = selfSignedCert();
      server = createSecureServer(
        { key: tls.key, cert: tls.cert, allowHTTP1: true },
        (req, res) => {
          seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
          res.writeHead(500);
          res.end();
        },
      );
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
      url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((done) => server.close(() => done()));
    });

    it.each(PROTOCOLS)("%s: the certificate is refused, the server never sees a request", async (protocol) => {
      const client = createDataPortabilityClient({ protocol, baseUrl: url, auth: TOKEN, retry: false, timeoutMs: 5_000 });
      const result = await client.checkAccessType({}).then(
        () => "ok",
        (e: unknown) => e,
      );
      expect(result).toBeInstanceOf(ConnectError);
      expect((result as ConnectError).code, (result as ConnectError).message).toBe(Code.Unavailable);
      expectNoSecrets(result);
      expect(seen).toEqual([]);
    });

    it("the token refresh refuses the certificate too", async () => {
      const api = await startCaptureServer();
      try {
        const auth = new OAuth2Client({ clientId: "id", clientSecret: CLIENT_SECRET, endpoints: { oauth2TokenUrl: `${url}/token` } });
        auth.setCredentials({ refresh_token: REFRESH_TOKEN });
        const client = createDataPortabilityClient({ baseUrl: api.url, auth, retry: false, timeoutMs: 5_000 });
        const result = await client.checkAccessType({}).then(
          () => "ok",
          (e: unknown) => e,
        );
        expect((result as ConnectError).code).toBe(Code.Unavailable);
        expectNoSecrets(result);
        expect(seen).toEqual([]);
        expect(api.requests).toEqual([]);
      } finally {
        await api.close();
      }
    });
  });
});
