/**
 * The request and response objects of a REST call as interceptors see them.
 *
 * `signal`, `header`, `contextValues` (request) and `header`, `trailer`
 * (response) are made on first access: an AbortSignal or a Headers object
 * costs more than the rest of a call. Without interceptors the objects are
 * class instances with getters on the prototype (cheap to create). With
 * interceptors they get own enumerable accessors instead, so that
 * `{ ...req }` and `{ ...res }` in an interceptor keep every property.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import {
  createContextValues,
  type ContextValues,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { rawText, type RawHeaderList } from "./direct-exchange.js";
import type { HeadersInit } from "./request-headers.js";
import type { CallAbort } from "./run-unary.js";

/** What the request headers are made from. */
export interface HeaderSource {
  readonly headerInit: HeadersInit | undefined;
  readonly hasBody: boolean;
  readonly serverTimeout: string | undefined;
}

/** The request of one call, with lazily made signal, headers and context values. */
export class RestUnaryRequest<I extends DescMessage, O extends DescMessage> implements UnaryRequest<I, O> {
  readonly stream = false as const;
  /** The `Headers` object once made. */
  headerObject: Headers | undefined = undefined;
  private values: ContextValues | undefined;

  constructor(
    readonly method: UnaryRequest<I, O>["method"],
    readonly requestMethod: string,
    readonly url: string,
    readonly message: MessageShape<I>,
    contextValues: ContextValues | undefined,
    /** The call's abort state. */
    readonly call: CallAbort,
    /** Headers given by the caller. */
    readonly headerInit: HeadersInit | undefined,
    /** `true` when the request has a body. */
    readonly hasBody: boolean,
    /** The `x-server-timeout` value, if the call has a deadline. */
    readonly serverTimeout: string | undefined,
    private readonly makeHeader: (req: HeaderSource) => Headers,
  ) {
    this.values = contextValues;
  }

  get service(): UnaryRequest<I, O>["service"] {
    return this.method.parent;
  }

  get signal(): AbortSignal {
    return this.call.signal;
  }

  get header(): Headers {
    return (this.headerObject ??= this.makeHeader(this));
  }

  get contextValues(): ContextValues {
    return (this.values ??= createContextValues());
  }

  /** The same request with own enumerable accessors (safe to spread). */
  spreadable(): UnaryRequest<I, O> {
    return spreadableRequest(this);
  }
}

/** A successful response whose headers may still be a raw header list. */
export class RestUnaryResponse<I extends DescMessage, O extends DescMessage> implements UnaryResponse<I, O> {
  readonly stream = false as const;
  private headerObject: Headers | undefined;
  private trailerObject: Headers | undefined;

  constructor(
    readonly method: UnaryResponse<I, O>["method"],
    readonly message: MessageShape<O>,
    header: Headers | undefined,
    private readonly rawHeaders: RawHeaderList | undefined,
    trailer: Headers | undefined,
    private readonly rawTrailers: RawHeaderList | undefined,
  ) {
    this.headerObject = header;
    this.trailerObject = trailer;
  }

  get service(): UnaryResponse<I, O>["service"] {
    return this.method.parent;
  }

  get header(): Headers {
    return (this.headerObject ??= headersFromRaw(this.rawHeaders));
  }

  get trailer(): Headers {
    return (this.trailerObject ??= headersFromRaw(this.rawTrailers));
  }

  /** The same response with own enumerable accessors (safe to spread). */
  spreadable(): UnaryResponse<I, O> {
    return spreadableResponse(this);
  }
}

/**
 * A copy of a request or response whose plain properties are own data
 * properties and whose lazy ones are own enumerable accessors reading the
 * original, so that a spread copy keeps every property (as values). Cheaper
 * to make than an object literal with getters.
 */
class SpreadableView {
  readonly #base: Record<string, unknown>;

  constructor(base: object, data: readonly string[], accessors: PropertyDescriptorMap) {
    this.#base = base as Record<string, unknown>;
    const self = this as unknown as Record<string, unknown>;
    for (const key of data) self[key] = this.#base[key];
    Object.defineProperties(this, accessors);
  }

  /** Enumerable accessors reading `keys` of the original. */
  static accessors(keys: readonly string[]): PropertyDescriptorMap {
    const map: PropertyDescriptorMap = {};
    for (const key of keys) {
      map[key] = {
        enumerable: true,
        get(this: SpreadableView): unknown {
          return this.#base[key];
        },
      };
    }
    return map;
  }
}

let requestAccessors: PropertyDescriptorMap | undefined;
let responseAccessors: PropertyDescriptorMap | undefined;
const REQUEST_DATA = ["stream", "service", "method", "requestMethod", "url", "message"] as const;
const RESPONSE_DATA = ["stream", "service", "method", "message"] as const;

function spreadableRequest<I extends DescMessage, O extends DescMessage>(
  base: RestUnaryRequest<I, O>,
): UnaryRequest<I, O> {
  requestAccessors ??= SpreadableView.accessors(["signal", "header", "contextValues"]);
  return new SpreadableView(base, REQUEST_DATA, requestAccessors) as unknown as UnaryRequest<I, O>;
}

function spreadableResponse<I extends DescMessage, O extends DescMessage>(
  base: RestUnaryResponse<I, O>,
): UnaryResponse<I, O> {
  responseAccessors ??= SpreadableView.accessors(["header", "trailer"]);
  return new SpreadableView(base, RESPONSE_DATA, responseAccessors) as unknown as UnaryResponse<I, O>;
}

/** Headers from a flat `[name, value, …]` list (empty for `undefined`). */
export function headersFromRaw(raw: RawHeaderList | undefined): Headers {
  const header = new Headers();
  if (raw !== undefined) {
    for (let i = 0; i + 1 < raw.length; i += 2) header.append(rawText(raw[i]!), rawText(raw[i + 1]!));
  }
  return header;
}
