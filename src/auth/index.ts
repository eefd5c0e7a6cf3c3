/**
 * End-user OAuth for the Data Portability API, built on google-auth-library
 * (loaded lazily, only for application default credentials).
 *
 * @module
 */

export { createAuthInterceptor, type AuthInterceptorOptions } from "./auth-interceptor.js";
export {
  createUserCredentials,
  isUserCredentials,
  authorizationResetError,
  type DataPortabilityAuth,
  type UserCredentials,
  type UserCredentialsOptions,
} from "./user-credentials.js";
export { refreshUserToken, DEFAULT_TOKEN_TIMEOUT_MS } from "./token-endpoint.js";
export { isLoopbackHost, mayCarryCredentials } from "./secure-url.js";
