// Moved to test/helpers/mappings.ts, the one definition of the example mappings. Kept only for importers owned by
// other work in flight (test/receiver/cli.test.ts); delete once nothing imports it.
export { exampleMappingsBody } from '../helpers/mappings';
