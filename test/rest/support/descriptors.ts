/**
 * Real descriptors built at test time (FileDescriptorProto → registry), for
 * rules the checked-in protos do not have: unannotated methods, malformed
 * rules, streaming methods, unusual field kinds.
 */
import {
  create,
  createFileRegistry,
  setExtension,
  type DescService,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  MethodOptionsSchema,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
} from "@bufbuild/protobuf/wkt";
import { http } from "../../../gen/google/api/annotations_pb.js";
import type { HttpRuleSchema } from "../../../gen/google/api/http_pb.js";

/** One method of the test service. */
export interface MethodSpec {
  name: string;
  rule?: MessageInitShape<typeof HttpRuleSchema>;
  serverStreaming?: boolean;
}

const T = FieldDescriptorProto_Type;
const OPTIONAL = FieldDescriptorProto_Label.OPTIONAL;
const REPEATED = FieldDescriptorProto_Label.REPEATED;

/**
 * Builds service `test.rest.v1.TestService` with the given methods; every
 * method takes `test.rest.v1.Req` and returns `test.rest.v1.Res`.
 *
 * Req: name (string 1), tags (repeated string 2), labels (map 3), inner (Inner 4),
 * ts (Timestamp 5), items (repeated Inner 6), count (int32 7), data (Struct 8).
 * Inner: value (string 1), deep (Inner 2). Res: text (string 1), items (repeated Inner 2).
 */
export function testService(methods: MethodSpec[]): DescService {
  const file = create(FileDescriptorProtoSchema, {
    name: "test/rest/v1/test.proto",
    package: "test.rest.v1",
    syntax: "proto3",
    dependency: ["google/protobuf/timestamp.proto", "google/protobuf/struct.proto"],
    messageType: [
      {
        name: "Inner",
        field: [
          { name: "value", number: 1, type: T.STRING, label: OPTIONAL, jsonName: "value" },
          { name: "deep", number: 2, type: T.MESSAGE, typeName: ".test.rest.v1.Inner", label: OPTIONAL, jsonName: "deep" },
        ],
      },
      {
        name: "Req",
        field: [
          { name: "name", number: 1, type: T.STRING, label: OPTIONAL, jsonName: "name" },
          { name: "tags", number: 2, type: T.STRING, label: REPEATED, jsonName: "tags" },
          { name: "labels", number: 3, type: T.MESSAGE, typeName: ".test.rest.v1.Req.LabelsEntry", label: REPEATED, jsonName: "labels" },
          { name: "inner", number: 4, type: T.MESSAGE, typeName: ".test.rest.v1.Inner", label: OPTIONAL, jsonName: "inner" },
          { name: "ts", number: 5, type: T.MESSAGE, typeName: ".google.protobuf.Timestamp", label: OPTIONAL, jsonName: "ts" },
          { name: "items", number: 6, type: T.MESSAGE, typeName: ".test.rest.v1.Inner", label: REPEATED, jsonName: "items" },
          { name: "count", number: 7, type: T.INT32, label: OPTIONAL, jsonName: "count" },
          { name: "data", number: 8, type: T.MESSAGE, typeName: ".google.protobuf.Struct", label: OPTIONAL, jsonName: "data" },
        ],
        nestedType: [
          {
            name: "LabelsEntry",
            options: { mapEntry: true },
            field: [
              { name: "key", number: 1, type: T.STRING, label: OPTIONAL, jsonName: "key" },
              { name: "value", number: 2, type: T.STRING, label: OPTIONAL, jsonName: "value" },
            ],
          },
        ],
      },
      {
        name: "Res",
        field: [
          { name: "text", number: 1, type: T.STRING, label: OPTIONAL, jsonName: "text" },
          { name: "items", number: 2, type: T.MESSAGE, typeName: ".test.rest.v1.Inner", label: REPEATED, jsonName: "items" },
        ],
      },
    ],
    service: [
      {
        name: "TestService",
        method: methods.map((m) => {
          const options = create(MethodOptionsSchema);
          if (m.rule !== undefined) setExtension(options, http, m.rule as never);
          return {
            name: m.name,
            inputType: ".test.rest.v1.Req",
            outputType: ".test.rest.v1.Res",
            serverStreaming: m.serverStreaming === true,
            options,
          };
        }),
      },
    ],
  });
  const deps = new Map([
    ["google/protobuf/timestamp.proto", file_google_protobuf_timestamp],
    ["google/protobuf/struct.proto", file_google_protobuf_struct],
  ]);
  const registry = createFileRegistry(file, (name) => deps.get(name));
  const service = registry.getService("test.rest.v1.TestService");
  if (service === undefined) throw new Error("test service not built");
  return service;
}
