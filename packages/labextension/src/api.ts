/**
 * The server extension's client (from @kfp-notebook/shared) sending through JupyterLab's
 * ServerConnection, so requests carry the user's token and XSRF cookie.
 */
import { ServerConnection } from "@jupyterlab/services";
import { KfpApi } from "@kfp-notebook/shared";

const settings = ServerConnection.makeSettings();

export const api = new KfpApi({
  baseUrl: settings.baseUrl,
  request: (url, init) => ServerConnection.makeRequest(url, init, settings),
});
