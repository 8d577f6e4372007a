import { join } from 'node:path';
import { openLowdbStore } from '../../../receiver/store/lowdb-store';
import { tempDir } from '../../helpers/temp-dir';
import { describeStoreContract } from './store-contract';

describeStoreContract('lowdb', async () => {
  const dir = await tempDir();
  const file = join(dir.path, 'data', 'db.json');
  const store = await openLowdbStore(file);
  return {
    store,
    // A restart: the first process has written everything (flush) and a new one opens the file.
    async reopen() {
      await store.flush();
      return openLowdbStore(file);
    },
    async cleanup() {
      await store.close();
      await dir.remove();
    },
  };
});
