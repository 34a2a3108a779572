export { type AppOptions, buildApp, demoCas } from "./app.js";
export { trustRoutes } from "./trust-routes.js";
export { TrustStore, TrustStoreError } from "./trust-store.js";
