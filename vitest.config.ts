// Unit tests of every front-end package (jsdom: the renderers build DOM).
import { readFileSync } from "node:fs";

import { defineConfig } from "vitest/config";

const WORKER_SCRIPT = /elkjs\/lib\/elk-worker\.min\.js$/;

export default defineConfig({
  plugins: [
    {
      // elkjs's worker script as text, as the widget's build loads it (--loader:.min.js=text)
      name: "elk-worker-as-text",
      enforce: "pre",
      load(id) {
        return WORKER_SCRIPT.test(id)
          ? `export default ${JSON.stringify(readFileSync(id, "utf8"))};`
          : null;
      },
    },
  ],
  test: {
    environment: "jsdom",
    include: ["packages/*/src/**/*.test.ts"],
    server: { deps: { inline: [/elkjs/] } },
  },
});
