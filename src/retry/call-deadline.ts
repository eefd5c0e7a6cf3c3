/**
 * The absolute deadline of a call, shared through context values.
 *
 * @module
 */

import { createContextKey, type ContextKey } from "@connectrpc/connect";

/**
 * Context value holding the call's absolute deadline (epoch ms), set by the
 * client's transport (`createDataPortabilityTransport`). The retry
 * interceptor never waits past it. Undefined means no deadline.
 */
export const callDeadlineKey: ContextKey<number | undefined> = createContextKey<number | undefined>(
  undefined,
  { description: "dataportability-connect call deadline (epoch ms)" },
);
