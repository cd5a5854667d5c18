import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script, without type declarations
import { generatedTypes, TYPES } from "../../../scripts/openapi-types.mjs";

const DASHBOARD = fileURLToPath(new URL("../../../", import.meta.url));
const ROOT = join(DASHBOARD, "..");
const SRC = join(DASHBOARD, "src");
const snapshot = JSON.parse(readFileSync(new URL("./openapi.json", import.meta.url), "utf8")) as {
  paths: Record<string, Record<string, unknown>>;
};

/** The project's Python (the one `make` installs), else the system's. */
function python(): string {
  const venv = join(ROOT, ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "generated" ? [] : sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Every `request(method, "/api/…")` the dashboard makes, its path's `${…}` parts as placeholders. */
function calls(): { method: string; path: string; file: string }[] {
  const found: { method: string; path: string; file: string }[] = [];
  const pattern = /request(?:<[^(]*?>)?\(\s*"(GET|POST|PUT|DELETE)",\s*(?:"(\/api\/[^"]*)"|`(\/api\/[^`]*)`)/g;
  for (const file of sources(SRC)) {
    for (const m of readFileSync(file, "utf8").matchAll(pattern)) {
      const path = (m[2] ?? m[3]).replace(/\$\{query\([^`]*$/, "").replace(/\$\{[^}]*\}/g, "*");
      found.push({ method: m[1].toLowerCase(), path, file: file.slice(SRC.length + 1) });
    }
  }
  return found;
}

/** Segment by segment: equal, or a placeholder on either side (`*` ours, `{name}` the document's). */
function matches(ours: string, documented: string): boolean {
  const a = ours.split("/");
  const b = documented.split("/");
  return a.length === b.length && a.every((s, i) => s === b[i] || s === "*" || /^\{[^}]+\}$/.test(b[i]));
}

describe("API types generated from the backend's OpenAPI document", () => {
  it("are what openapi-typescript makes of the snapshot (else run npm run api:types)", async () => {
    expect(readFileSync(TYPES, "utf8")).toBe(await generatedTypes());
  });

  it("come from a snapshot that is the backend's document (else run npm run api:types)", () => {
    const run = spawnSync(python(), [join(DASHBOARD, "scripts", "openapi_snapshot.py"), "--check"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(run.error).toBeUndefined();
    expect(run.stdout + run.stderr, "the snapshot has drifted from the backend").toBe("");
    expect(run.status).toBe(0);
  }, 60_000);

  it("cover every path and method the dashboard calls", () => {
    const found = calls();
    expect(found.length).toBeGreaterThan(40);
    const missing = found.filter(
      ({ method, path }) => !Object.entries(snapshot.paths).some(([doc, ops]) => method in ops && matches(path, doc)),
    );
    expect(missing).toEqual([]);
  });
});
