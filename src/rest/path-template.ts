/**
 * Strict parser for HttpRule path templates.
 *
 * Grammar (google/api/http.proto):
 *
 *     Template = "/" Segments [ Verb ] ;
 *     Segments = Segment { "/" Segment } ;
 *     Segment  = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *     FieldPath = IDENT { "." IDENT } ;
 *     Verb     = ":" LITERAL ;
 *
 * Project rules on top of the grammar: only literal segments may follow
 * `**` (inside or after a variable); variables do not nest; a field path is
 * bound at most once; no empty segments, trailing `/` or empty verb; the verb
 * is everything after the first `:` of the last segment outside braces.
 * LITERALs are made of `A-Z a-z 0-9 - . _ ~` and `%XX` escapes (normalised to
 * upper-case hex). The scan is a single linear pass without regular expressions.
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** One segment of a parsed template: a literal, `*` or `**`. */
export type TemplateSegment =
  | { kind: "literal"; value: string }
  | { kind: "star" }
  | { kind: "doubleStar" };

/**
 * A variable of a template. `start`/`end` index the half-open range
 * `[start, end)` of {@link PathTemplate.segments} it captures; `multiSegment`
 * is set when the sub-template has more than one segment or contains `**`.
 */
export interface TemplateVariable {
  fieldPath: readonly string[];
  start: number;
  end: number;
  multiSegment: boolean;
}

/** A parsed path template. */
export interface PathTemplate {
  /** The template text as given. */
  source: string;
  /** All segments, variables expanded into their sub-template segments. */
  segments: readonly TemplateSegment[];
  /** Variables in template order. */
  variables: readonly TemplateVariable[];
  /** The custom verb without the leading `:`, or `undefined`. */
  verb: string | undefined;
}

const STAR: TemplateSegment = Object.freeze({ kind: "star" });
const DOUBLE_STAR: TemplateSegment = Object.freeze({ kind: "doubleStar" });

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isIdentStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 0x30 && c <= 0x39);
}

function describeChar(source: string, pos: number): string {
  return pos >= source.length ? "end of template" : `'${source[pos]!}'`;
}

class TemplateParser {
  private pos = 0;
  private readonly segments: TemplateSegment[] = [];
  private readonly variables: TemplateVariable[] = [];
  private readonly boundPaths = new Set<string>();
  private doubleStarAt = -1;

  constructor(private readonly source: string) {}

  parse(): PathTemplate {
    const src = this.source;
    if (src.length === 0 || src.charCodeAt(0) !== 0x2f) {
      throw this.fail("a template must start with '/'");
    }
    this.pos = 1;
    this.parseSegments(false);
    let verb: string | undefined;
    if (this.pos < src.length && src.charCodeAt(this.pos) === 0x3a) {
      this.pos++;
      verb = this.parseLiteral(true);
      if (verb === "") throw this.fail("empty custom verb");
      if (this.pos < src.length) {
        throw this.fail(
          src.charCodeAt(this.pos) === 0x2f
            ? "a ':' is only allowed before the final verb"
            : `unexpected ${describeChar(src, this.pos)} in the custom verb`,
        );
      }
    }
    if (this.pos < src.length) {
      throw this.fail(`unexpected ${describeChar(src, this.pos)}`);
    }
    return {
      source: src,
      segments: Object.freeze(this.segments),
      variables: Object.freeze(this.variables),
      verb,
    };
  }

  private fail(why: string, at = this.pos): ConnectError {
    const shown = this.source.length > 200 ? this.source.slice(0, 200) + "…" : this.source;
    return new ConnectError(
      `invalid path template "${shown}": ${why} at position ${at}`,
      Code.InvalidArgument,
    );
  }

  private parseSegments(inVariable: boolean): void {
    for (;;) {
      this.parseSegment(inVariable);
      if (this.pos < this.source.length && this.source.charCodeAt(this.pos) === 0x2f) {
        this.pos++;
        continue;
      }
      return;
    }
  }

  private push(segment: TemplateSegment, at: number): void {
    if (this.doubleStarAt >= 0 && segment.kind !== "literal") {
      throw this.fail("only literal segments may follow '**'", at);
    }
    if (segment.kind === "doubleStar") this.doubleStarAt = this.segments.length;
    this.segments.push(segment);
  }

  /** After a segment: end, `/`, `:` or (in a variable) `}` must follow. */
  private expectBoundary(inVariable: boolean, what: string): void {
    const src = this.source;
    if (this.pos >= src.length) return;
    const c = src.charCodeAt(this.pos);
    if (c === 0x2f || c === 0x3a || (inVariable && c === 0x7d)) return;
    throw this.fail(`${what} must be a whole segment (unexpected ${describeChar(src, this.pos)})`);
  }

  private parseSegment(inVariable: boolean): void {
    const src = this.source;
    const start = this.pos;
    const c = start < src.length ? src.charCodeAt(start) : -1;
    if (c === -1 || c === 0x2f || c === 0x3a || c === 0x7d) {
      if (c === -1) {
        throw this.fail(
          src.charCodeAt(start - 1) === 0x2f
            ? "trailing '/' (empty last segment)"
            : "unexpected end of template",
        );
      }
      if (c === 0x7d && inVariable && src.charCodeAt(start - 1) === 0x3d) {
        throw this.fail("a variable's sub-template needs at least one segment");
      }
      throw this.fail("empty segment");
    }
    if (c === 0x7b) {
      if (inVariable) throw this.fail("variables must not nest");
      this.parseVariable();
      this.expectBoundary(false, "a variable");
      return;
    }
    if (c === 0x2a) {
      if (src.charCodeAt(start + 1) === 0x2a) {
        this.pos = start + 2;
        this.expectBoundary(inVariable, "'**'");
        this.push(DOUBLE_STAR, start);
      } else {
        this.pos = start + 1;
        this.expectBoundary(inVariable, "'*'");
        this.push(STAR, start);
      }
      return;
    }
    const value = this.parseLiteral(false);
    if (value === "") throw this.fail(`unexpected ${describeChar(src, start)}`);
    this.expectBoundary(inVariable, "a literal");
    this.push({ kind: "literal", value }, start);
  }

  /**
   * Reads unreserved characters and `%XX` escapes (and `:` for a verb). The
   * literal is a slice of the source (escapes upper-cased only when one is
   * not), not a string built per escape: appending thousands of pieces costs
   * more than linear time once garbage collection has to walk them.
   */
  private parseLiteral(allowColon: boolean): string {
    const src = this.source;
    const start = this.pos;
    let lowerCaseEscape = false;
    let i = start;
    for (; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (isUnreserved(c) || (allowColon && c === 0x3a)) continue;
      if (c !== 0x25) break;
      const h1 = src.charCodeAt(i + 1);
      const h2 = src.charCodeAt(i + 2);
      if (!isHex(h1) || !isHex(h2)) throw this.fail("malformed '%' escape", i);
      if (h1 >= 0x61 || h2 >= 0x61) lowerCaseEscape = true; // a-f
      i += 2;
    }
    this.pos = i;
    const literal = src.slice(start, i);
    return lowerCaseEscape ? literal.replace(/%[0-9A-Fa-f]{2}/g, (escape) => escape.toUpperCase()) : literal;
  }

  private parseVariable(): void {
    const src = this.source;
    const open = this.pos;
    this.pos++;
    const fieldPath: string[] = [];
    for (;;) {
      const identStart = this.pos;
      if (!isIdentStart(src.charCodeAt(identStart))) {
        throw this.fail(
          `expected a field name, found ${describeChar(src, identStart)}`,
          identStart,
        );
      }
      let i = identStart + 1;
      while (i < src.length && isIdentPart(src.charCodeAt(i))) i++;
      fieldPath.push(src.slice(identStart, i));
      this.pos = i;
      if (src.charCodeAt(i) !== 0x2e) break;
      this.pos++;
    }
    const key = fieldPath.join(".");
    if (this.boundPaths.has(key)) throw this.fail(`field path "${key}" is bound twice`, open);
    this.boundPaths.add(key);
    const start = this.segments.length;
    if (src.charCodeAt(this.pos) === 0x3d) {
      this.pos++;
      this.parseSegments(true);
    } else {
      this.push(STAR, open);
    }
    if (src.charCodeAt(this.pos) !== 0x7d) {
      throw this.fail(`expected '}' to close the variable, found ${describeChar(src, this.pos)}`);
    }
    this.pos++;
    const end = this.segments.length;
    let multiSegment = end - start > 1;
    for (let s = start; s < end && !multiSegment; s++) {
      if (this.segments[s]!.kind === "doubleStar") multiSegment = true;
    }
    this.variables.push(Object.freeze({ fieldPath: Object.freeze(fieldPath), start, end, multiSegment }));
  }
}

/**
 * Parses an HttpRule path template strictly. Throws a `ConnectError` with
 * `Code.InvalidArgument` naming the template and the position of the problem.
 */
export function parsePathTemplate(source: string): PathTemplate {
  return new TemplateParser(source).parse();
}
