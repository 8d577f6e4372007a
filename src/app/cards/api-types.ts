// The receiver API contract (src/app/shared/api-types.ts), re-exported as types only.
// HubSpot bundles this folder on its own and its linter forbids runtime imports from outside it
// (no-parent-imports); type-only exports are erased before bundling, so nothing outside the folder
// is ever loaded. Keep this file free of runtime code (test/app/shared-lib.test.ts checks it).
export type * from '../shared/api-types';
