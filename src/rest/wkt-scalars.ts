/**
 * Well-known message types that have a scalar proto3 JSON form (a JSON
 * string, number or boolean) and may therefore stand in a path variable or a
 * query parameter.
 */
import type { DescMessage } from "@bufbuild/protobuf";

const SCALAR_LIKE = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue",
  "google.protobuf.StringValue",
  "google.protobuf.BytesValue",
]);

/** `true` for Timestamp, Duration, FieldMask and the wrapper types. */
export function isScalarLikeWkt(message: DescMessage): boolean {
  return SCALAR_LIKE.has(message.typeName);
}

/** `true` for Any, Struct, Value and ListValue, which have no query form. */
export function isDynamicWkt(message: DescMessage): boolean {
  switch (message.typeName) {
    case "google.protobuf.Any":
    case "google.protobuf.Struct":
    case "google.protobuf.Value":
    case "google.protobuf.ListValue":
      return true;
  }
  return false;
}
