/**
 * Contender: undici's `request()` POST on a keep-alive `Agent` (undici 7, a
 * bench-only dependency).
 */
import { Agent, request } from "undici";
import type { ContenderFactory } from "../types.js";
import { checkJsonReply, RESET_PATH, restHeaders } from "./check.js";

/** Creates the contender. */
export const create: ContenderFactory = async (env) => {
  const dispatcher = new Agent({ keepAliveTimeout: 60_000 });
  const url = new URL(RESET_PATH, env.restUrl).href;
  const headers = restHeaders(env.token);
  return {
    call: async () => {
      const { statusCode, body } = await request(url, { method: "POST", headers, body: "{}", dispatcher });
      checkJsonReply(statusCode, await body.text());
    },
    close: () => dispatcher.close(),
  };
};
