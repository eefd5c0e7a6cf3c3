/**
 * Shared body of the "full client" contenders: `createDataPortabilityClient`
 * with a static access token (auth interceptor) and the default retry
 * policy (retry interceptor), as a user would create it.
 *
 * A successful ResetAuthorization makes the client drop its credentials (the
 * real API revoked them), so each call first hands the client the token
 * again with `setClientCredentials`, in the same synchronous block that
 * starts the call. That is what a caller resetting after new consent does;
 * its cost (re-reading a static token) is part of the figure.
 */
import type { BenchEnv, Contender } from "../types.js";
import { loadProject, requireFunction } from "./project.js";

/** Creates a full-client contender speaking `protocol` to `baseUrl`. */
export async function createFullClient(
  env: BenchEnv,
  protocol: "rest" | "grpc" | "connect",
  baseUrl: string,
): Promise<Contender> {
  const project = await loadProject(env);
  requireFunction(project, "createDataPortabilityClient");
  requireFunction(project, "setClientCredentials");
  const client = project.createDataPortabilityClient({
    protocol,
    baseUrl,
    auth: env.token,
    ...(protocol === "rest" ? {} : { httpVersion: "2" as const }),
  });
  const { setClientCredentials } = project;
  return {
    call: async () => {
      setClientCredentials(client, env.token);
      await client.resetAuthorization({});
    },
    close: async () => {},
  };
}
