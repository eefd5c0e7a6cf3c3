/**
 * OAuth scopes and resource groups of the Data Portability API.
 *
 * Every resource group maps 1:1 to a scope:
 * `myactivity.search` ⇔ `https://www.googleapis.com/auth/dataportability.myactivity.search`.
 * Any one of these scopes lets a token call every method; initiate and
 * get-state additionally need the scope of each resource group involved.
 *
 * @module
 */

import { Code, ConnectError } from "@connectrpc/connect";

/** The prefix every Data Portability scope shares. */
export const SCOPE_PREFIX = "https://www.googleapis.com/auth/dataportability." as const;

/**
 * The 63 resource groups of the user's spec of `authorization.reset`
 * (the early-2024 scope list), in the order the spec lists them.
 */
export const SEED_RESOURCE_GROUPS = [
  "businessmessaging.conversations",
  "chrome.autofill",
  "chrome.bookmarks",
  "chrome.dictionary",
  "chrome.extensions",
  "chrome.history",
  "chrome.reading_list",
  "chrome.settings",
  "discover.follows",
  "discover.not_interested",
  "discover.likes",
  "maps.reviews",
  "maps.starred_places",
  "maps.aliased_places",
  "maps.commute_routes",
  "maps.commute_settings",
  "maps.ev_profile",
  "maps.factual_contributions",
  "maps.offering_contributions",
  "maps.photos_videos",
  "maps.questions_answers",
  "myactivity.youtube",
  "myactivity.maps",
  "myactivity.search",
  "myactivity.myadcenter",
  "myactivity.shopping",
  "myactivity.play",
  "order_reserve.purchases_reservations",
  "mymaps.maps",
  "play.installs",
  "play.purchases",
  "play.subscriptions",
  "play.library",
  "play.redemptions",
  "play.usersettings",
  "play.devices",
  "play.playpoints",
  "play.promotions",
  "play.grouping",
  "saved.collections",
  "searchnotifications.settings",
  "searchnotifications.subscriptions",
  "search_ugc.media.thumbs",
  "search_ugc.media.reviews_and_stars",
  "search_ugc.media.streaming_video_providers",
  "search_ugc.media.watched",
  "shopping.reviews",
  "shopping.addresses",
  "streetview.imagery",
  "youtube.private_videos",
  "youtube.unlisted_videos",
  "youtube.public_videos",
  "youtube.channel",
  "youtube.subscriptions",
  "youtube.private_playlists",
  "youtube.unlisted_playlists",
  "youtube.public_playlists",
  "youtube.comments",
  "youtube.live_chat",
  "youtube.posts",
  "youtube.music",
  "youtube.shopping",
  "youtube.playable",
] as const;

/**
 * Resource groups that Google added after the seed's list was taken. They are
 * newer than the seed: older consent screens and tokens will not have them.
 * The comment on each says in which published list it first appeared.
 */
export const NEWER_RESOURCE_GROUPS = [
  "alerts.subscriptions", // newer than the seed: rev 20241208
  "youtube.clips", // newer than the seed: rev 20241208
  "maps.vehicle_profile", // newer than the seed: late 2025
  "search_ugc.comments", // newer than the seed: late 2025
  "youtube.conversations", // newer than the seed: late 2025
  "nest.camera_event", // newer than the seed: newest list
  "nest.camera_feature", // newer than the seed: newest list
  "nest.camera_video", // newer than the seed: newest list
  "nest.store", // newer than the seed: newest list
  "nest.user", // newer than the seed: newest list
] as const;

/** A resource group name, e.g. `"myactivity.search"`. */
export type ResourceGroup =
  | (typeof SEED_RESOURCE_GROUPS)[number]
  | (typeof NEWER_RESOURCE_GROUPS)[number];

/** The full OAuth scope of a resource group. */
export type DataPortabilityScope = `${typeof SCOPE_PREFIX}${ResourceGroup}`;

/** Every known resource group: the seed's 63, then the newer ones. */
export const RESOURCE_GROUPS: readonly ResourceGroup[] = Object.freeze([
  ...SEED_RESOURCE_GROUPS,
  ...NEWER_RESOURCE_GROUPS,
]);

/** The seed's 63 scopes, in the seed's order. */
export const SEED_SCOPES: readonly DataPortabilityScope[] = Object.freeze(
  SEED_RESOURCE_GROUPS.map((group) => `${SCOPE_PREFIX}${group}` as const),
);

/** Every known scope: the seed's 63, then the newer ones. */
export const SCOPES: readonly DataPortabilityScope[] = Object.freeze(
  RESOURCE_GROUPS.map((group) => `${SCOPE_PREFIX}${group}` as const),
);

const knownGroups: ReadonlySet<string> = new Set(RESOURCE_GROUPS);

/** Whether `group` is a known resource group name. */
export function isResourceGroup(group: string): group is ResourceGroup {
  return knownGroups.has(group);
}

/** Whether `scope` is a known Data Portability scope URL. */
export function isDataPortabilityScope(scope: string): scope is DataPortabilityScope {
  return scope.startsWith(SCOPE_PREFIX) && knownGroups.has(scope.slice(SCOPE_PREFIX.length));
}

/**
 * The OAuth scope of a resource group.
 *
 * @throws ConnectError with `Code.InvalidArgument` for an unknown group.
 */
export function scopeForResource(group: string): DataPortabilityScope {
  if (!isResourceGroup(group)) {
    throw new ConnectError(
      `unknown Data Portability resource group ${JSON.stringify(group)}`,
      Code.InvalidArgument,
    );
  }
  return `${SCOPE_PREFIX}${group}`;
}

/**
 * The resource group of a Data Portability scope URL, or `undefined` when the
 * string is not a known Data Portability scope.
 */
export function resourceForScope(scope: string): ResourceGroup | undefined {
  if (!scope.startsWith(SCOPE_PREFIX)) return undefined;
  const group = scope.slice(SCOPE_PREFIX.length);
  return isResourceGroup(group) ? group : undefined;
}
