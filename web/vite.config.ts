// Vite builds the UI into dist/, which `weft serve` serves on its query port (16686).
// `npm run dev` serves it with hot reload and sends /api to a weft on localhost:16686
// (WEFT_API=http://host:port to point elsewhere).
import { defineConfig } from "vitest/config";

const api = process.env.WEFT_API ?? "http://127.0.0.1:16686";

export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
  server: { proxy: { "/api": api } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
