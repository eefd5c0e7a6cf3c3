/**
 * Contender: a bare connect-node Connect-protocol transport (HTTP/2, h2c,
 * JSON: the settings the project's Connect client runs with here) and
 * `createClient`, no interceptors; the token is a static call header.
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { ContenderFactory } from "../types.js";
import { loadGen } from "./project.js";

/** Creates the contender. */
export const create: ContenderFactory = async (env) => {
  const { DataPortabilityService } = await loadGen(env);
  const transport = createConnectTransport({ baseUrl: env.h2Url, httpVersion: "2" });
  const client = createClient(DataPortabilityService, transport);
  const headers = { authorization: `Bearer ${env.token}` };
  return {
    call: async () => {
      await client.resetAuthorization({}, { headers });
    },
    close: async () => {},
  };
};
