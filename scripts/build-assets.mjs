// Copy the served files of the npm packages into gridflow/static/vendor (never edited by hand).
// Each package gets its files and its licence; vendor/MANIFEST.json names every version served.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "gridflow", "static", "vendor");

// package -> [source path inside the package, target path inside vendor/<name>]
const FILES = {
  "htmx.org": [["dist/htmx.min.js", "htmx.min.js"], ["LICENSE", "LICENSE"]],
  "leaflet": [["dist/leaflet.js", "leaflet.js"], ["dist/leaflet.css", "leaflet.css"], ["dist/images", "images"],
              ["LICENSE", "LICENSE"]],
  "echarts": [["dist/echarts.min.js", "echarts.min.js"], ["LICENSE", "LICENSE"]],
  "swagger-ui-dist": [["swagger-ui-bundle.js", "swagger-ui-bundle.js"], ["swagger-ui.css", "swagger-ui.css"],
                      ["LICENSE", "LICENSE"]],
  "idb-keyval": [["dist/umd.js", "idb-keyval.js"], ["LICENCE", "LICENSE"]],
};
const NAMES = { "htmx.org": "htmx", "swagger-ui-dist": "swagger-ui" };

rmSync(out, { recursive: true, force: true });
const manifest = {};
for (const [pkg, files] of Object.entries(FILES)) {
  const src = join(root, "node_modules", pkg);
  const meta = JSON.parse(readFileSync(join(src, "package.json"), "utf8"));
  const dest = join(out, NAMES[pkg] ?? pkg);
  mkdirSync(dest, { recursive: true });
  for (const [from, to] of files) {
    const path = join(src, from);
    if (!existsSync(path)) throw new Error(`${pkg}: ${from} is missing (did the package change its layout?)`);
    cpSync(path, join(dest, to), { recursive: true });
  }
  manifest[NAMES[pkg] ?? pkg] = { package: pkg, version: meta.version, license: meta.license };
}
writeFileSync(join(out, "MANIFEST.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`vendor assets: ${Object.entries(manifest).map(([n, m]) => `${n} ${m.version}`).join(", ")}`);
