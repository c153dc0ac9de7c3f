import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Built into dist/control-ui, served by the gateway from its one port. Relative asset URLs: the
// gateway rewrites index.html for whatever base path it serves the UI under.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/control-ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    assetsDir: "assets",
    reportCompressedSize: false,
  },
});
