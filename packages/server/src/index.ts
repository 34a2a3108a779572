export { type AppOptions, buildApp } from "./app.js";
export { demoCas } from "./trust/demo-cas.js";
export { trustRoutes } from "./trust/routes.js";
export { TrustStore, TrustStoreError } from "./trust/store.js";
