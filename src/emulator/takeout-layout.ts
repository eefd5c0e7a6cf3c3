/**
 * The content of an emulated archive: Takeout-like folders under
 * `Portability/`, one JSON file per resource group, with a few plausible
 * records inside the job's export window.
 */
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Job } from "./jobs.js";

const productFolders: Readonly<Record<string, string>> = {
  alerts: "Alerts",
  businessmessaging: "Business Messaging",
  chrome: "Chrome",
  discover: "Discover",
  maps: "Maps",
  myactivity: "My Activity",
  mymaps: "My Maps",
  nest: "Nest",
  order_reserve: "Order and Reserve",
  play: "Google Play Store",
  saved: "Saved",
  search_ugc: "Search Contributions",
  searchnotifications: "Search Notifications",
  shopping: "Shopping",
  streetview: "Street View",
  youtube: "YouTube and YouTube Music",
};

const DAY_MS = 24 * 60 * 60 * 1000;
const RECORDS_PER_GROUP = 3;

function titleCase(text: string): string {
  return text
    .split(/[._]/)
    .filter((word) => word !== "")
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(" ");
}

/** The archive path of a resource group, e.g. `Portability/My Activity/Search/MyActivity.json`. */
export function archivePath(group: string): string {
  const dot = group.indexOf(".");
  const product = dot < 0 ? group : group.slice(0, dot);
  const rest = dot < 0 ? group : group.slice(dot + 1);
  const folder = productFolders[product] ?? titleCase(product);
  if (product === "myactivity") return `Portability/${folder}/${titleCase(rest)}/MyActivity.json`;
  return `Portability/${folder}/${titleCase(rest).replaceAll(" ", "")}.json`;
}

/** The times of a group's records: evenly spread over the export window. */
function recordTimes(job: Job): Date[] {
  const end = job.endTime !== undefined ? timestampMs(job.endTime) : job.createdAt;
  const start = job.startTime !== undefined ? timestampMs(job.startTime) : end - 30 * DAY_MS;
  const step = (end - start) / (RECORDS_PER_GROUP + 1);
  return Array.from({ length: RECORDS_PER_GROUP }, (_, i) => new Date(Math.round(start + step * (i + 1))));
}

function activityRecords(job: Job, group: string): unknown[] {
  const product = titleCase(group.slice(group.indexOf(".") + 1));
  return recordTimes(job).map((time, i) => ({
    header: product,
    title: `Emulated ${product.toLowerCase()} activity ${i + 1}`,
    titleUrl: `https://www.google.com/search?q=emulated+activity+${i + 1}`,
    time: time.toISOString(),
    products: [product],
    activityControls: ["Web & App Activity"],
  }));
}

function itemRecords(job: Job, group: string): unknown {
  return {
    resourceGroup: group,
    items: recordTimes(job).map((time, i) => ({
      id: `${job.id}-${i + 1}`,
      title: `Emulated ${group} item ${i + 1}`,
      createTime: time.toISOString(),
    })),
  };
}

/** The files of a job's archive: path → JSON text. */
export function archiveFiles(job: Job): Record<string, string> {
  const files: Record<string, string> = {};
  for (const group of job.resources) {
    const content = group.startsWith("myactivity.") ? activityRecords(job, group) : itemRecords(job, group);
    files[archivePath(group)] = JSON.stringify(content, null, 2) + "\n";
  }
  return files;
}
