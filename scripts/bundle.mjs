// `npm run build`, second step: bundles the compiled entry points (tsc's
// output in dist/src) into dist/bundle with esbuild, one ES module per entry
// plus shared chunks. Dependencies stay external (imported from
// node_modules), so ConnectError, Code and the protobuf runtime are the very
// objects the user's own @connectrpc/connect and @bufbuild/protobuf export.
//
// Why: Node 20 pays per ES module it loads; the package root is ~85 small
// modules of its own, and loading them as one file roughly halves what the
// package adds to a cold `import` on top of its dependencies (see
// bench/RESULTS.md, "Cold import"). Code splitting keeps every module once:
// the root, "./emulator" and the CLI share their common code through chunks,
// so module-level state (caches, WeakMaps, classes) is never duplicated.
// Types are tsc's declarations in dist/src and dist/gen.
//
// Usage: node scripts/bundle.mjs [DIST]   (DIST defaults to <repo>/dist)
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(process.argv[2] ?? join(root, "dist"));
const outdir = join(dist, "bundle");
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/index.js", "src/emulator/index.js", "src/cli/main.js"].map((entry) => join(dist, entry)),
  outbase: join(dist, "src"),
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  packages: "external",
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
