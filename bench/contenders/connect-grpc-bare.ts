/**
 * Contender: a bare connect-node gRPC transport (HTTP/2, h2c) and
 * `createClient`, no interceptors; the token is a static call header.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { ContenderFactory } from "../types.js";
import { loadGen } from "./project.js";

/** Creates the contender. */
export const create: ContenderFactory = async (env) => {
  const { DataPortabilityService } = await loadGen(env);
  const client = createClient(DataPortabilityService, createGrpcTransport({ baseUrl: env.h2Url }));
  const headers = { authorization: `Bearer ${env.token}` };
  return {
    call: async () => {
      await client.resetAuthorization({}, { headers });
    },
    close: async () => {},
  };
};
