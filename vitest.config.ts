// Unit tests of every front-end package (jsdom: the renderers build DOM).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "jsdom",
    include: ["packages/*/src/**/*.test.ts"],
  },
});
