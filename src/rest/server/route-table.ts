/**
 * Matches raw request paths against HttpRule path templates.
 *
 * A trie over template segments, walked with backtracking in priority order
 * literal > `*` > `**`. Only literals may follow `**` (parser rule), so a
 * `**` is stored with its constant tail; tails are tried longest first, so
 * when two routes both match, the one whose `**` consumes fewer segments
 * wins. `**` may consume zero segments; `*` and literals never match an
 * empty segment.
 *
 * Matching works on the raw path (never decoded before matching). Segments
 * are compared after RFC 3986 normalisation: escapes of unreserved
 * characters are decoded and other escapes are upper-cased, so `%7E` equals
 * `~` and `%2f` equals `%2F`, but `%2F` never equals a separator.
 *
 * Verbs: a `:` in the last segment starts a verb only if some registered
 * route uses that verb; a path ending in a bare `:` never matches.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { PathTemplate, TemplateSegment } from "../path-template.js";

/** Result of {@link RouteTable.match}. */
export type RouteMatch<T> =
  | {
      kind: "found";
      /** The registered target. */
      target: T;
      /** The raw (still escaped) path segments, without the verb. */
      segments: readonly string[];
    }
  | {
      /** The path matches some route, but none for this HTTP method. */
      kind: "methodNotAllowed";
      /** HTTP methods of the routes whose path matched, sorted. */
      allowed: readonly string[];
    }
  | { kind: "notFound" };

/** A route table built once; `match` is the per-request operation. */
export interface RouteTable<T> {
  /**
   * Registers a target. Throws a `ConnectError` (`AlreadyExists`) if the same
   * HTTP method, template shape and verb are registered already.
   */
  add(httpMethod: string, template: PathTemplate, target: T, describe: () => string): void;
  /**
   * Matches a raw request path (no query). Throws a `ConnectError`
   * (`InvalidArgument`) for a path that does not start with `/` or has a
   * malformed `%` escape.
   */
  match(httpMethod: string, rawPath: string): RouteMatch<T>;
}

interface Registered<T> {
  target: T;
  describe: () => string;
}

/** Routes ending at one trie position, by verb ("" for none) and HTTP method. */
type Leaf<T> = Map<string, Map<string, Registered<T>>>;

interface Tail<T> {
  /** Normalised literals after `**`. */
  literals: readonly string[];
  leaf: Leaf<T>;
}

interface TrieNode<T> {
  literal: Map<string, TrieNode<T>>;
  star: TrieNode<T> | undefined;
  /** `**` children, longest tail first. */
  tails: Tail<T>[];
  leaf: Leaf<T> | undefined;
}

function newNode<T>(): TrieNode<T> {
  return { literal: new Map(), star: undefined, tails: [], leaf: undefined };
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const ESCAPE = /%([0-9A-Fa-f]{2})?/g;

/**
 * RFC 3986 normal form of a raw path segment: escapes of unreserved
 * characters are decoded, other escapes upper-cased. Throws for a malformed
 * escape.
 */
export function normalizeSegment(raw: string): string {
  if (!raw.includes("%")) return raw;
  return raw.replace(ESCAPE, (_, hex: string | undefined) => {
    if (hex === undefined) {
      throw new ConnectError("malformed percent-encoding in the request path", Code.InvalidArgument);
    }
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : "%" + hex.toUpperCase();
  });
}

function templateKey(segments: readonly TemplateSegment[], verb: string): string {
  const parts = segments.map((s) =>
    s.kind === "literal" ? "=" + normalizeSegment(s.value) : s.kind === "star" ? "*" : "**",
  );
  return parts.join("/") + ":" + verb;
}

/** Creates an empty {@link RouteTable}. */
export function createRouteTable<T>(): RouteTable<T> {
  const root = newNode<T>();
  const verbs = new Set<string>();
  /**
   * Longest raw text a registered verb can arrive as (each character
   * escaped as `%XX`): a `:` followed by more than this cannot start a verb.
   */
  let maxRawVerbLength = 0;
  const shapes = new Map<string, Registered<T>>();

  function leafFor(template: PathTemplate): Leaf<T> {
    let node = root;
    const segments = template.segments;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if (segment.kind === "literal") {
        const key = normalizeSegment(segment.value);
        let next = node.literal.get(key);
        if (next === undefined) node.literal.set(key, (next = newNode()));
        node = next;
      } else if (segment.kind === "star") {
        node = node.star ??= newNode();
      } else {
        const literals = segments.slice(i + 1).map((s) => {
          // The parser allows only literals after `**`.
          if (s.kind !== "literal") throw new Error("only literals may follow '**'");
          return normalizeSegment(s.value);
        });
        const joined = literals.join("/");
        let tail = node.tails.find((t) => t.literals.join("/") === joined);
        if (tail === undefined) {
          tail = { literals, leaf: new Map() };
          node.tails.push(tail);
          node.tails.sort((a, b) => b.literals.length - a.literals.length);
        }
        return tail.leaf;
      }
    }
    return (node.leaf ??= new Map());
  }

  function add(
    httpMethod: string,
    template: PathTemplate,
    target: T,
    describe: () => string,
  ): void {
    const verb = template.verb === undefined ? "" : normalizeSegment(template.verb);
    const key = httpMethod + " " + templateKey(template.segments, verb);
    const existing = shapes.get(key);
    if (existing !== undefined) {
      throw new ConnectError(
        `conflicting HTTP bindings: ${describe()} and ${existing.describe()} match the same requests`,
        Code.AlreadyExists,
      );
    }
    const registered = { target, describe };
    shapes.set(key, registered);
    const leaf = leafFor(template);
    let byMethod = leaf.get(verb);
    if (byMethod === undefined) leaf.set(verb, (byMethod = new Map()));
    byMethod.set(httpMethod, registered);
    if (verb !== "") {
      verbs.add(verb);
      maxRawVerbLength = Math.max(maxRawVerbLength, 3 * verb.length);
    }
  }

  /**
   * Walks the trie in priority order; calls `visit` for every leaf reached
   * with all segments consumed, until `visit` returns true.
   */
  function walk(
    node: TrieNode<T>,
    segments: readonly string[],
    i: number,
    visit: (leaf: Leaf<T>) => boolean,
  ): boolean {
    const n = segments.length;
    if (i === n) {
      if (node.leaf !== undefined && visit(node.leaf)) return true;
    } else {
      const segment = segments[i]!;
      if (segment !== "") {
        const child = node.literal.get(segment);
        if (child !== undefined && walk(child, segments, i + 1, visit)) return true;
        if (node.star !== undefined && walk(node.star, segments, i + 1, visit)) return true;
      }
    }
    for (const tail of node.tails) {
      const length = tail.literals.length;
      if (n - i < length) continue;
      let ok = true;
      for (let k = 0; k < length && ok; k++) ok = segments[n - length + k] === tail.literals[k];
      if (ok && visit(tail.leaf)) return true;
    }
    return false;
  }

  /** Matches normalised segments with a verb; `undefined` when no path matched. */
  function attempt(
    httpMethod: string,
    normalized: readonly string[],
    verb: string,
  ): { target: T } | { allowed: Set<string> } | undefined {
    let found: T | undefined;
    let allowed: Set<string> | undefined;
    walk(root, normalized, 0, (leaf) => {
      const byMethod = leaf.get(verb);
      if (byMethod === undefined) return false;
      const hit = byMethod.get(httpMethod);
      if (hit !== undefined) {
        found = hit.target;
        return true;
      }
      allowed ??= new Set();
      for (const m of byMethod.keys()) allowed.add(m);
      return false;
    });
    if (found !== undefined) return { target: found };
    return allowed === undefined ? undefined : { allowed };
  }

  function match(httpMethod: string, rawPath: string): RouteMatch<T> {
    if (rawPath.charCodeAt(0) !== 0x2f) {
      throw new ConnectError("the request path must start with '/'", Code.InvalidArgument);
    }
    const raw = rawPath.slice(1).split("/");
    const normalized = raw.map(normalizeSegment);
    const last = raw.length - 1;
    const lastRaw = raw[last]!;
    if (lastRaw.endsWith(":")) return { kind: "notFound" };
    let allowed: Set<string> | undefined;
    // Verb candidates: every ':' of the last segment whose suffix is a registered verb.
    // Only the colons within reach of the longest verb are looked at, so a
    // segment full of colons costs linear time, not quadratic.
    const firstColon = lastRaw.indexOf(":");
    if (verbs.size > 0 && firstColon > 0) {
      const from = Math.max(firstColon, lastRaw.length - 1 - maxRawVerbLength);
      for (let colon = lastRaw.indexOf(":", from); colon > 0; colon = lastRaw.indexOf(":", colon + 1)) {
        const verb = normalizeSegment(lastRaw.slice(colon + 1));
        if (!verbs.has(verb)) continue;
        const head = lastRaw.slice(0, colon);
        const segments = normalized.slice(0, last);
        segments.push(normalizeSegment(head));
        const result = attempt(httpMethod, segments, verb);
        if (result === undefined) continue;
        if ("target" in result) {
          const rawSegments = raw.slice(0, last);
          rawSegments.push(head);
          return { kind: "found", target: result.target, segments: rawSegments };
        }
        allowed ??= result.allowed;
      }
    }
    const result = attempt(httpMethod, normalized, "");
    if (result !== undefined) {
      if ("target" in result) return { kind: "found", target: result.target, segments: raw };
      allowed ??= result.allowed;
    }
    if (allowed !== undefined) return { kind: "methodNotAllowed", allowed: [...allowed].sort() };
    return { kind: "notFound" };
  }

  return { add, match };
}

/**
 * For template segments `[start, end)` of `template`, returns a function
 * giving the half-open range of request segments they captured in a request
 * of `count` segments (without the verb). Only literals follow a `**`, so
 * positions after it count from the end.
 */
export function captureRange(
  template: PathTemplate,
  start: number,
  end: number,
): (count: number) => [number, number] {
  const length = template.segments.length;
  const doubleStar = template.segments.findIndex((s) => s.kind === "doubleStar");
  const fromEnd = doubleStar >= 0 && start > doubleStar;
  const toEnd = doubleStar >= 0 && end - 1 >= doubleStar;
  return (count) => [
    fromEnd ? count - (length - start) : start,
    toEnd ? count - (length - end) : end,
  ];
}
