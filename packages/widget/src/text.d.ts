// elkjs's worker script, which the build loads as text (esbuild's --loader:.min.js=text; the
// tests' vite plugin in vitest.config.ts does the same).
declare module "elkjs/lib/elk-worker.min.js" {
  const script: string;
  export default script;
}
