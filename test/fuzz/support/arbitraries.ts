/**
 * fast-check arbitraries for hostile input: strings with any UTF-16 unit
 * (lone surrogates included), protobuf messages of any schema with edge
 * values, and the run sizes of `npm test` versus `npm run stress`.
 */
import { create, ScalarType, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import fc from "fast-check";
import { vi } from "vitest";

/** `STRESS=1` (set by `npm run stress`) runs the larger sizes. */
export const STRESS = process.env["STRESS"] === "1";

/** Runs of a property: a few hundred in `npm test`, many more under STRESS. */
export function runs(fast: number, stress = fast * 20): number {
  return STRESS ? stress : fast;
}

/** Gives each test of the calling file 10 minutes under STRESS (the default 30 s otherwise). */
export function allowStressTime(): void {
  if (STRESS) vi.setConfig({ testTimeout: 600_000 });
}

/** Characters that matter to URLs, paths, templates, percent-escapes and headers. */
const SPECIAL = [
  "/", "\\", "%", "%2F", "%2f", "%2E", "%2e%2e", "%25", "%zz", "%", "?", "#", "&", "=", "+", ":", ";", ",", "@",
  "{", "}", "*", "**", ".", "..", " ", "\t", "\r", "\n", "\r\n", "\u0000", "\u007f", "\u00e9", "\u2028", "\ud800",
  "\udfff", "\ud83d\ude00", "\ufeff", "~", "'", '"', "<", ">", "[", "]", "|", "$", "!", "(", ")",
];

/** Any single UTF-16 unit, lone surrogates included. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** A hostile string: any UTF-16 units, and the pieces that matter to URLs and templates. */
export function hostileString(maxLength = 24): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
    { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 4 }) },
    { weight: 1, arbitrary: anyUnit },
  );
  return fc.array(piece, { maxLength }).map((parts) => parts.join(""));
}

/** Any bytes, mostly short. */
export const anyBytes = fc.uint8Array({ maxLength: 64 });

function scalarValue(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return hostileString(12);
    case ScalarType.BYTES:
      return anyBytes;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
      return fc.double();
    case ScalarType.FLOAT:
      return fc.float();
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer();
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 0xffffffff });
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
  }
}

function enumValue(field: DescField & { enum: NonNullable<DescField["enum"]> }): fc.Arbitrary<number> {
  const known = field.enum.values.map((v) => v.number);
  return fc.oneof(fc.constantFrom(...known), fc.integer({ min: -5, max: 1000 }));
}

function messageArbitrary(desc: DescMessage, depth: number): fc.Arbitrary<MessageShape<DescMessage>> {
  return fc.constant(null).chain(() => initArbitrary(desc, depth)).map((init) => create(desc, init as never));
}

/** A value for `field`, or undefined to leave it unset. */
function fieldValue(field: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalarValue(field.scalar);
    case "enum":
      return enumValue(field);
    case "message":
      return depth <= 0 ? fc.constant(undefined) : messageArbitrary(field.message, depth - 1);
    case "list": {
      const element =
        field.listKind === "scalar"
          ? scalarValue(field.scalar)
          : field.listKind === "enum"
            ? enumValue(field as DescField & { enum: NonNullable<DescField["enum"]> })
            : depth <= 0
              ? undefined
              : messageArbitrary(field.message, depth - 1);
      return element === undefined ? fc.constant([]) : fc.array(element, { maxLength: 3 });
    }
    case "map": {
      const value =
        field.mapKind === "scalar"
          ? scalarValue(field.scalar)
          : field.mapKind === "enum"
            ? enumValue(field as DescField & { enum: NonNullable<DescField["enum"]> })
            : depth <= 0
              ? undefined
              : messageArbitrary(field.message, depth - 1);
      if (value === undefined) return fc.constant({});
      const key = field.mapKey === ScalarType.STRING ? hostileString(6) : fc.integer({ min: 0, max: 99 }).map(String);
      return fc.dictionary(key, value, { maxKeys: 2 });
    }
  }
}

/** An init object for `desc`: each field set or left out, one member per oneof at most. */
function initArbitrary(desc: DescMessage, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of desc.fields) {
    if (field.oneof !== undefined) continue;
    parts[field.localName] = fc.option(fieldValue(field, depth), { nil: undefined, freq: 2 });
  }
  for (const oneof of desc.oneofs) {
    parts[oneof.localName] = fc.oneof(
      fc.constant(undefined),
      ...oneof.fields.map((field) => fieldValue(field, depth).map((value) => ({ case: field.localName, value }))),
    );
  }
  return fc.record(parts).map((init) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(init)) if (value !== undefined) out[key] = value;
    return out;
  });
}

/** Any message of `desc` (nested messages `depth` levels deep), with edge values. */
export function anyMessage<Desc extends DescMessage>(desc: Desc, depth = 2): fc.Arbitrary<MessageShape<Desc>> {
  return messageArbitrary(desc, depth) as fc.Arbitrary<MessageShape<Desc>>;
}
