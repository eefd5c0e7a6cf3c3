/**
 * Sets leaf fields of a request message from the decoded text of a path
 * variable or query parameter.
 *
 * The text is turned into the proto3 JSON value of the field (booleans,
 * enum numbers, wrapper inner values) and merged with protobuf-es'
 * `mergeFromJson`, so every scalar is parsed and range-checked exactly as in
 * a JSON body: int64 as decimal, `NaN`/`Infinity`, bytes in std or url
 * base64 with or without padding, enums by name or number,
 * Timestamp/Duration/FieldMask in their JSON string form.
 */
import {
  mergeFromJson,
  ScalarType,
  type DescField,
  type DescMessage,
  type JsonObject,
  type JsonReadOptions,
  type JsonValue,
  type MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { isScalarLikeWkt } from "../wkt-scalars.js";

/** What a leaf field holds: a scalar, an enum, or a scalar-like WKT message. */
type LeafType =
  | { kind: "scalar"; scalar: ScalarType }
  | { kind: "enum"; typeName: string }
  | { kind: "wkt"; typeName: string; inner: ScalarType | undefined };

/**
 * The value type of a field that can stand in a path variable or query
 * parameter (a singular or repeated scalar, enum or scalar-like WKT), or
 * `undefined` for maps, other messages and dynamic WKTs.
 */
function leafType(field: DescField): LeafType | undefined {
  if (field.fieldKind === "map") return undefined;
  if (field.message !== undefined) return wktLeaf(field.message);
  if (field.enum !== undefined) return { kind: "enum", typeName: field.enum.typeName };
  return { kind: "scalar", scalar: field.scalar };
}

function wktLeaf(message: DescMessage): LeafType | undefined {
  if (!isScalarLikeWkt(message)) return undefined;
  const value = message.typeName.endsWith("Value") ? message.fields[0] : undefined;
  return {
    kind: "wkt",
    typeName: message.typeName,
    inner: value?.fieldKind === "scalar" ? value.scalar : undefined,
  };
}

/** `true` if the field can be set from a path variable or query parameter. */
export function isLeafField(field: DescField): boolean {
  return leafType(field) !== undefined;
}

const INTEGER = /^-?[0-9]+$/;

function scalarJson(scalar: ScalarType, text: string): JsonValue {
  switch (scalar) {
    case ScalarType.BOOL:
      if (text === "true") return true;
      if (text === "false") return false;
      throw new Error("not a boolean");
    case ScalarType.BYTES:
      // A space is never base64; it is a '+' of std base64 that arrived raw
      // in a query string (where '+' reads as a space).
      return text.replaceAll(" ", "+");
    default:
      // Strings, and numbers: protobuf-es reads numeric JSON strings.
      return text;
  }
}

function leafJson(type: LeafType, text: string): JsonValue {
  switch (type.kind) {
    case "scalar":
      return scalarJson(type.scalar, text);
    case "enum":
      return INTEGER.test(text) ? Number(text) : text;
    case "wkt":
      return type.inner === undefined ? text : scalarJson(type.inner, text);
  }
}

const SCALAR_NAMES: Record<ScalarType, string> = {
  [ScalarType.DOUBLE]: "double",
  [ScalarType.FLOAT]: "float",
  [ScalarType.INT64]: "int64",
  [ScalarType.UINT64]: "uint64",
  [ScalarType.INT32]: "int32",
  [ScalarType.FIXED64]: "fixed64",
  [ScalarType.FIXED32]: "fixed32",
  [ScalarType.BOOL]: "bool (true or false)",
  [ScalarType.STRING]: "string",
  [ScalarType.BYTES]: "bytes (base64)",
  [ScalarType.UINT32]: "uint32",
  [ScalarType.SFIXED32]: "sfixed32",
  [ScalarType.SFIXED64]: "sfixed64",
  [ScalarType.SINT32]: "sint32",
  [ScalarType.SINT64]: "sint64",
};

function describe(type: LeafType): string {
  switch (type.kind) {
    case "scalar":
      return SCALAR_NAMES[type.scalar];
    case "enum":
      return `a value of enum ${type.typeName} (name or number)`;
    case "wkt":
      return `${type.typeName} in its JSON form`;
  }
}

/** `{a: {b: value}}` for the field path `a.b` (JSON names). */
function nest(fields: readonly DescField[], value: JsonValue): JsonObject {
  let json: JsonValue = value;
  for (let i = fields.length - 1; i >= 0; i--) json = { [fields[i]!.jsonName]: json };
  return json as JsonObject;
}

/**
 * Sets the leaf at `fields` (a resolved field path, outermost first) of
 * `message` from `text`: a singular leaf is overwritten, a repeated leaf gets
 * one element appended, intermediate messages are created or merged into.
 * Throws a `ConnectError` (`InvalidArgument`) naming `label` and the expected
 * type, without echoing the value.
 */
export function setLeafFromText<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  fields: readonly DescField[],
  text: string,
  label: string,
  options: Partial<JsonReadOptions>,
): void {
  const leaf = fields[fields.length - 1];
  const type = leaf === undefined ? undefined : leafType(leaf);
  if (leaf === undefined || type === undefined) {
    throw new ConnectError(`${label} does not name a scalar field`, Code.InvalidArgument);
  }
  try {
    const value = leafJson(type, text);
    mergeFromJson(schema, message, nest(fields, leaf.fieldKind === "list" ? [value] : value), {
      ...options,
      ignoreUnknownFields: false,
    });
  } catch {
    throw new ConnectError(`invalid value for ${label}: expected ${describe(type)}`, Code.InvalidArgument);
  }
}
