/**
 * The minimal HTTP client abstraction the REST transport runs on.
 */

/** One HTTP request as the REST transport sends it. */
export interface RestHttpRequest {
  /** Absolute URL: base URL, path and query. */
  url: string;
  /** HTTP method. */
  method: string;
  /** Request headers. */
  header: Headers;
  /** Request body, `undefined` for none. */
  body: Uint8Array | undefined;
  /**
   * Aborted on deadline, cancellation, or when the transport stops reading
   * the response (size limit, error). The client must then release the
   * connection (destroy the socket) and reject pending reads.
   */
  signal: AbortSignal;
}

/** The response to a {@link RestHttpRequest}. */
export interface RestHttpResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers. */
  header: Headers;
  /** The response body as a byte stream. */
  body: AsyncIterable<Uint8Array>;
  /** Trailers, filled once the body has been read (optional). */
  trailer?: Headers;
}

/**
 * An HTTP client for the REST transport: sends one request and resolves to
 * the response once its headers arrived. Network failures reject with the
 * underlying error (e.g. a Node error with `code: "ECONNREFUSED"`).
 */
export type RestHttpClient = (request: RestHttpRequest) => Promise<RestHttpResponse>;
