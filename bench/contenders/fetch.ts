/**
 * Contender: the global `fetch` (Node's bundled undici) POST.
 */
import type { ContenderFactory } from "../types.js";
import { checkJsonReply, RESET_PATH, restHeaders } from "./check.js";

/** Creates the contender. */
export const create: ContenderFactory = async (env) => {
  const url = new URL(RESET_PATH, env.restUrl).href;
  const headers = restHeaders(env.token);
  return {
    call: async () => {
      const res = await fetch(url, { method: "POST", headers, body: "{}" });
      checkJsonReply(res.status, await res.text());
    },
    close: async () => {},
  };
};
