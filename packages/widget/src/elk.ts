// The layout engine on its own: layout.ts imports this module on first use, so the build makes
// it a chunk of its own (chunks/elk-HASH.js) and elkjs's CommonJS wrapper stays in that chunk.
import ELK from "elkjs/lib/elk.bundled.js";

export default ELK;
