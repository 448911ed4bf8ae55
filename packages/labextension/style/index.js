import "@kfp-notebook/shared/style/previews.css";
import "./index.css";
