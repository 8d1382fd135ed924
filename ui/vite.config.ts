// The console builds into dist/, which `sluice api` serves; `npm run dev` proxies the API of
// a running `sluice dev` (port 8000).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Every asset is a hashed file under /assets (no data: URLs), cached for a year.
    assetsInlineLimit: 0,
    // ECharts (the overview) and CodeMirror (the rule editor) are chunks of their own that
    // load with their routes, not with the console; the first load stays near 110 KB gzip.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
