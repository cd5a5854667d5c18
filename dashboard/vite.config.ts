import { readFileSync } from "node:fs";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Static Web Apps reads its config from the root of the deployed output.
function staticWebAppConfig(): Plugin {
  return {
    name: "staticwebapp-config",
    apply: "build",
    generateBundle() {
      this.emitFile({
        type: "asset",
        fileName: "staticwebapp.config.json",
        source: readFileSync(new URL("./staticwebapp.config.json", import.meta.url), "utf8"),
      });
    },
  };
}

const devhost = process.env.RESIGHT_DEVHOST ?? "http://127.0.0.1:7071";

export default defineConfig(async ({ mode }) => {
  // Fixture mode serves a fake API from the dev server; it is never part of a build.
  const fixtures = mode === "fixtures" ? [(await import("./dev/fixtures.ts")).fixtureApi()] : [];
  return {
    plugins: [react(), staticWebAppConfig(), ...fixtures],
    server: {
      host: "127.0.0.1",
      port: 5173,
      strictPort: true,
      proxy: mode === "fixtures" ? undefined : {
        "/api": { target: devhost, ws: true },
        "/.auth": { target: devhost },
      },
    },
    build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 500 },
    test: { environment: "node", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
  };
});
