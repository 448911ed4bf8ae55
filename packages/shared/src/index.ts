// @kfp-notebook/shared: what the notebook widget and the JupyterLab sidebar have in common.
export * from "./model.generated";
export * from "./status";
export * from "./format";
export * from "./dom";
export * from "./client";
export * from "./charts";
export * from "./previews";
export * from "./logfold";
export * from "./compare-model";
export * from "./compare-charts";
export * from "./compare";
export * from "./iterations";
export * from "./packed";
