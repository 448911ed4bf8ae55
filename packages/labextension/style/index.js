import "@kfp-notebook/shared/style/previews.css";
import "@kfp-notebook/shared/style/compare.css";
import "./index.css";
import "./compare.css";
