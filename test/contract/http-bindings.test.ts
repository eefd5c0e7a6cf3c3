import { describe, expect, it } from "vitest";
import { getOption } from "@bufbuild/protobuf";
import { EmptySchema } from "@bufbuild/protobuf/wkt";
import { http } from "../../gen/google/api/annotations_pb.js";
import { field_behavior, FieldBehavior } from "../../gen/google/api/field_behavior_pb.js";
import { method_signature } from "../../gen/google/api/client_pb.js";
import {
  DataPortabilityService,
  ResetAuthorizationRequestSchema,
} from "../../src/index.js";

// The REST reference of every v1 method: verb, path template and body rule.
const reference = {
  InitiatePortabilityArchive: { verb: "post", path: "/v1/portabilityArchive:initiate", body: "*" },
  GetPortabilityArchiveState: {
    verb: "get",
    path: "/v1/{name=archiveJobs/*/portabilityArchiveState}",
    body: "",
  },
  RetryPortabilityArchive: { verb: "post", path: "/v1/{name=archiveJobs/*}:retry", body: "*" },
  CancelPortabilityArchive: { verb: "post", path: "/v1/{name=archiveJobs/*}:cancel", body: "*" },
  ResetAuthorization: { verb: "post", path: "/v1/authorization:reset", body: "*" },
  CheckAccessType: { verb: "post", path: "/v1/accessType:check", body: "*" },
} as const;

describe("google.api.http bindings read from the generated descriptors", () => {
  it("the service has exactly the six v1 RPCs", () => {
    expect(DataPortabilityService.typeName).toBe("google.dataportability.v1.DataPortabilityService");
    expect(DataPortabilityService.methods.map((m) => m.name).sort()).toEqual(
      Object.keys(reference).sort(),
    );
  });

  for (const [name, want] of Object.entries(reference)) {
    it(`${name} → ${want.verb.toUpperCase()} ${want.path}`, () => {
      const method = DataPortabilityService.methods.find((m) => m.name === name);
      expect(method, name).toBeDefined();
      const rule = getOption(method!, http);
      expect(rule.pattern.case).toBe(want.verb);
      expect(rule.pattern.value).toBe(want.path);
      expect(rule.body).toBe(want.body);
      expect(rule.responseBody).toBe("");
      expect(rule.additionalBindings).toEqual([]);
      expect(method!.methodKind).toBe("unary");
    });
  }

  it("ResetAuthorization takes a request with no fields and returns google.protobuf.Empty", () => {
    const method = DataPortabilityService.method.resetAuthorization;
    expect(method.input).toBe(ResetAuthorizationRequestSchema);
    expect(ResetAuthorizationRequestSchema.fields).toHaveLength(0);
    expect(method.output.typeName).toBe("google.protobuf.Empty");
    expect(method.output).toBe(EmptySchema);
  });

  it("path-bound name fields are REQUIRED and the name methods carry method_signature", () => {
    for (const name of [
      "GetPortabilityArchiveState",
      "RetryPortabilityArchive",
      "CancelPortabilityArchive",
    ]) {
      const method = DataPortabilityService.methods.find((m) => m.name === name)!;
      const field = method.input.field.name;
      expect(field, name).toBeDefined();
      expect(getOption(field!, field_behavior)).toContain(FieldBehavior.REQUIRED);
      expect(getOption(method, method_signature)).toEqual(["name"]);
    }
  });

  it("ResetAuthorization's doc comment carries the seed's rule", async () => {
    const { readFile } = await import("node:fs/promises");
    const proto = await readFile(
      new URL("../../proto/google/dataportability/v1/dataportability.proto", import.meta.url),
      "utf8",
    );
    const comment = proto.slice(0, proto.indexOf("rpc ResetAuthorization("));
    const block = comment.slice(comment.lastIndexOf("rpc CancelPortabilityArchive"));
    expect(block).toMatch(/after all jobs are done and all archives have been\s+\/\/ downloaded/);
    expect(block).toMatch(/Never call it merely because a new job is about to start/);
  });
});
