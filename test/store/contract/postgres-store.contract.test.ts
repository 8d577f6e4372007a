import { describe } from 'vitest';
import { openPostgresStore } from '../../../receiver/store/postgres/postgres-store';
import { createTestDatabase, skipPostgres } from '../../helpers/postgres-cluster';
import { describeStoreContract } from './store-contract';

describe.skipIf(skipPostgres)('PostgreSQL', () => {
  describeStoreContract('postgres', async () => {
    const url = await createTestDatabase();
    const store = await openPostgresStore(url);
    return {
      store,
      // Another instance on the same database.
      reopen: () => openPostgresStore(url),
      cleanup: () => store.close(),
    };
  });
});
