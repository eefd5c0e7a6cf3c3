/**
 * The client-side conformance vectors (template-parse, client-encode,
 * error-decode), run through the public API against real local servers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromJson, toJson, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createRegistry } from "@bufbuild/protobuf";
import { file_google_rpc_error_details } from "../../gen/google/rpc/error_details_pb.js";
import { createRestTransport, parsePathTemplate } from "../../src/index.js";
import {
  conformanceMethod,
  loadVectors,
  TranscodingService,
  type ClientEncodeVector,
  type ErrorDecodeVector,
  type TemplateParseVector,
} from "../support/conformance.js";
import { startCaptureServer, type CaptureServer } from "./support/http-server.js";

/** connect-es Code → snake_case name, e.g. Code.InvalidArgument → "invalid_argument". */
function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

describe("template-parse.json", () => {
  for (const v of loadVectors<TemplateParseVector>("template-parse.json")) {
    it(v.id, () => {
      if (v.ok) {
        const template = parsePathTemplate(v.template);
        expect(template.source).toBe(v.template);
        expect(template.verb).toBe(v.verb);
      } else {
        let error: unknown;
        try {
          parsePathTemplate(v.template);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ConnectError);
        expect((error as ConnectError).code).toBe(Code.InvalidArgument);
        expect((error as ConnectError).rawMessage).toContain(JSON.stringify(v.template));
      }
    });
  }
});

describe("client-encode.json (createRestTransport against a capturing server)", () => {
  let server: CaptureServer;
  beforeAll(async () => {
    server = await startCaptureServer();
  });
  afterAll(async () => {
    await server.close();
  });

  for (const v of loadVectors<ClientEncodeVector>("client-encode.json")) {
    it(v.id, async () => {
      const method = conformanceMethod(v.rpc);
      const client = createClient(TranscodingService, createRestTransport({ baseUrl: server.url }));
      const call = (client as unknown as Record<string, (m: unknown) => Promise<unknown>>)[method.localName]!;
      const request = fromJson(method.input, v.request as never);
      const before = server.requests.length;
      if (v.expect.error === true) {
        const error = await call(request).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, v.expect.why).toBeInstanceOf(ConnectError);
        expect((error as ConnectError).code).toBe(Code.InvalidArgument);
        expect(server.requests.length, "nothing may reach the server").toBe(before);
        return;
      }
      await call(request);
      expect(server.requests.length).toBe(before + 1);
      const sent = server.requests[before]!;
      expect(sent.method).toBe(v.expect.method);
      expect(sent.url).toBe(v.expect.path);
      if (v.expect.body === null) {
        expect(sent.body.length).toBe(0);
        expect(sent.headers["content-type"]).toBeUndefined();
      } else {
        expect(sent.headers["content-type"]).toBe("application/json");
        expect(JSON.parse(sent.body.toString("utf8"))).toEqual(v.expect.body);
      }
    });
  }
});

describe("error-decode.json (responses served by a local server)", () => {
  const vectors = loadVectors<ErrorDecodeVector>("error-decode.json");
  let current: ErrorDecodeVector | undefined;
  let server: CaptureServer;
  beforeAll(async () => {
    server = await startCaptureServer((_req, res) => {
      const response = current!.response;
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    });
  });
  afterAll(async () => {
    await server.close();
  });
  const registry = createRegistry(file_google_rpc_error_details);

  for (const v of vectors) {
    it(v.id, async () => {
      current = v;
      const client = createClient(TranscodingService, createRestTransport({ baseUrl: server.url }));
      const error = await client.listShelves({}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectError);
      const err = error as ConnectError;
      expect(codeName(err.code)).toBe(v.expect.code);
      if (v.expect.message !== undefined) expect(err.rawMessage).toBe(v.expect.message);
      // Never the whole page, even for HTML bodies.
      expect(err.rawMessage.length).toBeLessThanOrEqual(Math.max(200, v.expect.message?.length ?? 0));
      expect(err.rawMessage).not.toMatch(/<[a-z!/][^>]*>/i);
      for (const want of v.expect.details ?? []) {
        const { type, ...fields } = want;
        const desc = registry.getMessage(type) as DescMessage;
        expect(desc, type).toBeDefined();
        const found = err.findDetails(desc).map((d) => toJson(desc, d));
        expect(found).toContainEqual(fields);
      }
      for (const [name, value] of Object.entries(v.response.headers)) {
        expect(err.metadata.get(name)).toBe(value);
      }
    });
  }
});
