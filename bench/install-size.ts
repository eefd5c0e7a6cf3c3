/**
 * Install-size section: `npm pack` this project (from a staging copy of
 * package.json, README, proto and the build, so the root `dist/` is left
 * alone), install the tarball with `--omit=dev` into an empty temporary
 * folder and measure its `node_modules` with `du`; the same for
 * googleapis@178.0.0. Temporary folders are removed afterwards.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT_DIR } from "./proc.js";

/** Size of one production install. */
export interface InstallSize {
  id: string;
  label: string;
  status: "ok" | "failed";
  reason?: string;
  /** `du -sk node_modules` (disk usage) in bytes. */
  diskBytes: number;
  /** `du -sk --apparent-size node_modules` in bytes. */
  apparentBytes: number;
  /** Packages in the installed tree (folders holding a package.json directly under a node_modules). */
  packages: number;
  /** Size of the packed tarball, when this project was packed. */
  tarballBytes?: number;
}

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const QUIET = ["--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"];

function duKiB(dir: string, apparent: boolean): number {
  const out = execFileSync("du", apparent ? ["-sk", "--apparent-size", dir] : ["-sk", dir], { encoding: "utf8" });
  return Number.parseInt(out.split("\t")[0] ?? "0", 10);
}

function countPackages(nodeModules: string): number {
  let n = 0;
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const p = join(dir, entry.name);
      if (entry.name.startsWith("@")) {
        visit(p);
        continue;
      }
      if (existsSync(join(p, "package.json"))) n++;
      if (existsSync(join(p, "node_modules"))) visit(join(p, "node_modules"));
    }
  };
  visit(nodeModules);
  return n;
}

function installInto(dir: string, spec: string): void {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "size-probe", private: true }));
  execFileSync(NPM, ["install", "--omit=dev", "--no-package-lock", "--prefer-offline", ...QUIET, spec], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 300_000,
  });
}

function measure(id: string, label: string, spec: () => string, work: string): InstallSize {
  const dir = join(work, id);
  try {
    mkdirSync(dir, { recursive: true });
    installInto(dir, spec());
    const nm = join(dir, "node_modules");
    return {
      id,
      label,
      status: "ok",
      diskBytes: duKiB(nm, false) * 1024,
      apparentBytes: duKiB(nm, true) * 1024,
      packages: countPackages(nm),
    };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { id, label, status: "failed", reason: msg.slice(0, 400), diskBytes: Number.NaN, apparentBytes: Number.NaN, packages: 0 };
  }
}

/** Packs the project from `dist` and measures both installs. */
export function runInstallSize(dist: string, log: (line: string) => void): InstallSize[] {
  const work = mkdtempSync(join(tmpdir(), "dpc-bench-size-"));
  try {
    let tarball = "";
    let tarballBytes = Number.NaN;
    const project = measure(
      "project",
      "dataportability-connect (this project, `npm pack` → `npm install --omit=dev`)",
      () => {
        const stage = join(work, "stage");
        for (const f of ["package.json", "README.md", "proto"]) {
          if (existsSync(join(ROOT_DIR, f))) cpSync(join(ROOT_DIR, f), join(stage, f), { recursive: true });
        }
        cpSync(dist, join(stage, "dist"), { recursive: true });
        const out = execFileSync(NPM, ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
          cwd: stage,
          encoding: "utf8",
        });
        const info = (JSON.parse(out) as Array<{ filename: string; size: number }>)[0];
        if (info === undefined) throw new Error("npm pack printed nothing");
        tarball = join(work, info.filename);
        tarballBytes = info.size;
        return tarball;
      },
      work,
    );
    if (project.status === "ok") project.tarballBytes = tarballBytes;
    const googleapis = measure("googleapis", "googleapis@178.0.0 (`npm install --omit=dev`)", () => "googleapis@178.0.0", work);
    for (const s of [project, googleapis]) {
      log(
        s.status === "ok"
          ? `size ${s.id}: ${(s.diskBytes / 2 ** 20).toFixed(1)} MiB on disk, ${s.packages} packages`
          : `size ${s.id}: failed: ${s.reason}`,
      );
    }
    return [project, googleapis];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
