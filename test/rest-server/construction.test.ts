/**
 * createRestHandler compiles every binding when it is created: invalid rules
 * and ambiguous bindings fail there, not on the first request. The services
 * here are built at run time from FileDescriptorProtos carrying
 * google.api.http options.
 */
import { describe, expect, it } from "vitest";
import {
  create,
  createFileRegistry,
  setExtension,
  type DescMethodUnary,
  type DescService,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  MethodDescriptorProtoSchema,
  MethodOptionsSchema,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { http } from "../../gen/google/api/annotations_pb.js";
import { HttpRuleSchema } from "../../gen/google/api/http_pb.js";
import { createRestHandler } from "../../src/rest/server/index.js";
import { DataPortabilityService } from "../../gen/google/dataportability/v1/dataportability_pb.js";
import { listen, rawRequest } from "./helpers.js";

type Rule = MessageInitShape<typeof HttpRuleSchema>;

/** A service `t.S` whose RPCs (input and output `t.M { string name = 1; }`) carry the given rules. */
function service(rules: Record<string, Rule | undefined>): DescService {
  const method = (name: string, rule: Rule | undefined): MessageInitShape<typeof MethodDescriptorProtoSchema> => {
    const options = create(MethodOptionsSchema);
    if (rule !== undefined) setExtension(options, http, create(HttpRuleSchema, rule));
    return { name, inputType: ".t.M", outputType: ".t.M", options };
  };
  const file = create(FileDescriptorProtoSchema, {
    name: "t.proto",
    package: "t",
    syntax: "proto3",
    messageType: [{ name: "M", field: [{ name: "name", number: 1, type: 9, label: 1, jsonName: "name" }] }],
    service: [{ name: "S", method: Object.entries(rules).map(([name, rule]) => method(name, rule)) }],
  });
  const found = createFileRegistry(file, () => undefined).getService("t.S");
  if (found === undefined) throw new Error("service t.S not built");
  return found;
}

function handlerFor(desc: DescService) {
  return createRestHandler({
    routes: (router) => {
      for (const method of desc.methods) {
        router.rpc(method as DescMethodUnary, (req, ctx) => {
          const { name } = req as unknown as { name: string };
          return { name: `${ctx.method.name}:${name}` };
        });
      }
    },
  });
}

function constructionError(desc: DescService): ConnectError {
  try {
    handlerFor(desc);
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("createRestHandler did not throw");
}

describe("construction-time validation", () => {
  it("two RPCs with the same method and template shape are refused, naming both", () => {
    const error = constructionError(
      service({
        A: { pattern: { case: "get", value: "/v1/{name=things/*}" } },
        B: { pattern: { case: "get", value: "/v1/things/{name}" } },
      }),
    );
    expect(error.code).toBe(Code.AlreadyExists);
    expect(error.rawMessage).toContain("t.S.A");
    expect(error.rawMessage).toContain("t.S.B");
  });

  it("an invalid template or field path fails at construction", () => {
    expect(constructionError(service({ A: { pattern: { case: "get", value: "/v1/{name=**}/x/*" } } })).code).toBe(
      Code.InvalidArgument,
    );
    expect(
      constructionError(service({ A: { pattern: { case: "get", value: "/v1/{missing}" } } })).rawMessage,
    ).toContain("missing");
  });

  it("the same template under different methods or verbs is fine; unannotated RPCs are not served", async () => {
    const handler = handlerFor(
      service({
        Get: { pattern: { case: "get", value: "/v1/{name=things/*}" } },
        Del: { pattern: { case: "delete", value: "/v1/{name=things/*}" } },
        Run: { pattern: { case: "post", value: "/v1/{name=things/*}:run" }, body: "*" },
        Custom: { pattern: { case: "custom", value: { kind: "HEAD", path: "/v1/{name=things/*}/meta" } } },
        Plain: undefined,
      }),
    );
    expect(handler.methods.map((m) => m.name).sort()).toEqual(["Custom", "Del", "Get", "Run"]);
    const server = await listen(handler);
    try {
      const get = await rawRequest(server.port, { method: "GET", path: "/v1/things/a%20b" });
      expect(JSON.parse(get.text)).toEqual({ name: "Get:things/a b" });
      const del = await rawRequest(server.port, { method: "DELETE", path: "/v1/things/x" });
      expect(JSON.parse(del.text)).toEqual({ name: "Del:things/x" });
      const run = await rawRequest(server.port, { method: "POST", path: "/v1/things/x:run" });
      expect(JSON.parse(run.text)).toEqual({ name: "Run:things/x" });
      const head = await rawRequest(server.port, { method: "HEAD", path: "/v1/things/x/meta" });
      expect(head.status).toBe(200);
      const colon = await rawRequest(server.port, { method: "GET", path: "/v1/things/x:y" });
      expect(JSON.parse(colon.text)).toEqual({ name: "Get:things/x:y" });
    } finally {
      await server.close();
    }
  });
});

describe("the Data Portability API", () => {
  it("all six RPCs compile; a body-less reset and a name-bound GET reach the implementation", async () => {
    const names: string[] = [];
    const handler = createRestHandler({
      routes: (router) => {
        router.service(DataPortabilityService, {
          resetAuthorization: () => ({}),
          getPortabilityArchiveState: (req) => {
            names.push(req.name);
            return { name: req.name };
          },
        });
      },
    });
    expect(handler.methods).toHaveLength(6);
    const server = await listen(handler);
    try {
      const reset = await rawRequest(server.port, { method: "POST", path: "/v1/authorization:reset" });
      expect(reset.status, reset.text).toBe(200);
      expect(reset.text).toBe("{}");
      const state = await rawRequest(server.port, {
        method: "GET",
        path: "/v1/archiveJobs/job%201/portabilityArchiveState?access_token=t",
      });
      expect(state.status, state.text).toBe(200);
      expect(names).toEqual(["archiveJobs/job 1/portabilityArchiveState"]);
      const initiate = await rawRequest(server.port, { method: "POST", path: "/v1/portabilityArchive:initiate" });
      expect(initiate.status).toBe(501);
    } finally {
      await server.close();
    }
  });
});
