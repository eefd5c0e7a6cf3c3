/**
 * Contender: a hand-written `node:http` POST with a keep-alive agent.
 */
import { Agent, request, type RequestOptions } from "node:http";
import type { ContenderFactory } from "../types.js";
import { checkJsonReply, RESET_PATH, restHeaders } from "./check.js";

/** Creates the contender. */
export const create: ContenderFactory = async (env) => {
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
  const url = new URL(RESET_PATH, env.restUrl);
  const options: RequestOptions = {
    agent,
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: "POST",
    headers: { ...restHeaders(env.token), "content-length": "2" },
  };
  return {
    call: () =>
      new Promise<void>((resolve, reject) => {
        const req = request(options, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("error", reject);
          res.on("end", () => {
            try {
              checkJsonReply(res.statusCode ?? 0, text);
              resolve();
            } catch (err) {
              reject(err);
            }
          });
        });
        req.on("error", reject);
        req.end("{}");
      }),
    close: async () => agent.destroy(),
  };
};
