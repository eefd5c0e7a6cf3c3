/**
 * Every server-match conformance vector through the public API: the whole
 * conformance service served by createRestHandler on a real socket, raw
 * request targets sent as given.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromJson, toJson } from "@bufbuild/protobuf";
import { createRestHandler } from "../../src/rest/server/index.js";
import { conformanceMethod, loadVectors, type ServerMatchVector } from "../support/conformance.js";
import {
  captureAllRoutes,
  listen,
  parseEnvelope,
  rawRequest,
  sameMessage,
  type CapturedCall,
  type TestServer,
} from "./helpers.js";

const vectors = loadVectors<ServerMatchVector>("server-match.json");
const captured = new Map<string, CapturedCall>();
let server: TestServer;

beforeAll(async () => {
  server = await listen(createRestHandler({ routes: captureAllRoutes(captured) }));
});

afterAll(async () => {
  await server.close();
});

describe("server-match vectors", () => {
  it("the vector file is not empty", () => {
    expect(vectors.length).toBeGreaterThan(0);
  });

  for (const vector of vectors) {
    it(vector.id, async () => {
      const res = await rawRequest(server.port, {
        method: vector.request.method,
        path: vector.request.path,
        body: vector.request.body,
        headers: { "x-test-id": vector.id },
      });
      const expected = vector.expect;
      if (expected.httpStatus !== undefined) {
        expect(res.status, res.text).toBe(expected.httpStatus);
        expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
        expect(parseEnvelope(res.text).error.code).toBe(expected.httpStatus);
        expect(captured.has(vector.id)).toBe(false);
        return;
      }
      expect(res.status, res.text).toBe(200);
      const call = captured.get(vector.id);
      expect(call, "the implementation was not called").toBeDefined();
      expect(call!.method.name).toBe(expected.rpc);
      const method = conformanceMethod(expected.rpc);
      const want = fromJson(method.input, expected.message as never);
      expect(
        sameMessage(method.input, call!.request, want),
        `decoded ${JSON.stringify(toJson(method.input, call!.request))}`,
      ).toBe(true);
    });
  }
});
