/**
 * Typed helpers for the Data Portability API's own failures. Pure and cheap:
 * no transport, auth or emulator imports.
 *
 * @module
 */

export { DATA_PORTABILITY_ERROR_DOMAIN, errorInfoOf } from "./error-info.js";
export {
  dataPortabilityErrorOf,
  isOneTimeExhausted,
  isTimeBasedCooldown,
  isAlreadyExists,
  isNotAuthorized,
  isDataPortabilityQuotaError,
  type DataPortabilityError,
  type DataPortabilityErrorBase,
  type OneTimeExhaustedError,
  type TimeBasedCooldownError,
  type AlreadyExistsError,
  type MissingScopeError,
  type ResourcesNotAuthorizedError,
} from "./data-portability-error.js";
