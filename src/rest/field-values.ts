/**
 * Reading populated fields of a message and rendering leaf values in their
 * proto3 JSON text form (without quotes), as used in path variables and
 * query parameters.
 */
import {
  ScalarType,
  toJson,
  type DescEnum,
  type DescField,
  type DescMessage,
  type Message,
} from "@bufbuild/protobuf";
import { isScalarZeroValue } from "@bufbuild/protobuf/reflect";
import { base64Encode } from "@bufbuild/protobuf/wire";

/** A message viewed as a record of its properties. */
type MessageRecord = Record<string, unknown>;

/**
 * The value of a field if it is populated, else `undefined`: implicit-presence
 * scalars and enums at their zero value, empty lists and maps, unset
 * messages, optional fields not set and oneof members not selected all count
 * as unpopulated.
 */
export function readField(message: Message, field: DescField): unknown {
  const record = message as unknown as MessageRecord;
  if (field.oneof !== undefined) {
    const group = record[field.oneof.localName] as { case: string | undefined; value?: unknown };
    return group.case === field.localName ? group.value : undefined;
  }
  const value = record[field.localName];
  switch (field.fieldKind) {
    case "list":
      return (value as unknown[]).length > 0 ? value : undefined;
    case "map":
      return Object.keys(value as object).length > 0 ? value : undefined;
    case "message":
      return value;
  }
  if (field.presence !== 2 /* IMPLICIT */) {
    return value !== undefined && Object.prototype.hasOwnProperty.call(record, field.localName)
      ? value
      : undefined;
  }
  if (field.fieldKind === "enum") {
    return value === field.enum.values[0]?.number ? undefined : value;
  }
  return isScalarZeroValue(field.scalar, value) ? undefined : value;
}

/** Base64url with padding (`+/` → `-_`, `=` kept). */
export function base64UrlPadded(bytes: Uint8Array): string {
  return base64Encode(bytes, "std").replace(/[+/]/g, (c) => (c === "+" ? "-" : "_"));
}

/** A scalar value in proto3 JSON text form, bytes in base64url with padding. */
export function scalarText(type: ScalarType, value: unknown): string {
  switch (type) {
    case ScalarType.STRING:
      return value as string;
    case ScalarType.BYTES:
      return base64UrlPadded(value as Uint8Array);
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      const n = value as number;
      if (Number.isNaN(n)) return "NaN";
      if (n === Infinity) return "Infinity";
      if (n === -Infinity) return "-Infinity";
      // String(-0) is "0"; protobuf-es treats -0 as populated, so keep the sign.
      return Object.is(n, -0) ? "-0" : String(n);
    }
    default:
      return String(value);
  }
}

/** An enum value by name, or its number when the value is unknown. */
export function enumText(desc: DescEnum, value: number): string {
  return desc.value[value]?.name ?? String(value);
}

/**
 * A scalar-like well-known message (Timestamp, Duration, FieldMask,
 * wrappers) in its JSON text form. Wrappers use the text form of their
 * scalar (so BytesValue is base64url). Throws for out-of-range values.
 */
export function wktText(desc: DescMessage, value: Message): string {
  if (desc.typeName === "google.protobuf.Timestamp" ||
      desc.typeName === "google.protobuf.Duration" ||
      desc.typeName === "google.protobuf.FieldMask") {
    return toJson(desc, value) as string;
  }
  const inner = desc.fields[0];
  if (inner === undefined || inner.fieldKind !== "scalar") return String(toJson(desc, value));
  return scalarText(inner.scalar, (value as unknown as MessageRecord)[inner.localName]);
}
