// What an event syncs with: the connection's mapping set when the event is assigned one, else its own mappings.
// Every reader that acts on mappings (worker, backfill, card, summaries) goes through here, so assigning a set or
// editing it takes effect everywhere at once.
import type { ObjectMapping } from '../domain/mapping-schema';
import type { EventConfig, Store } from '../store/types';

export async function effectiveMappings(store: Pick<Store, 'getMappingSet'>, config: EventConfig | undefined): Promise<ObjectMapping[]> {
  if (!config) return [];
  if (config.mappingSetId) return (await store.getMappingSet(config.connectionId, config.mappingSetId))?.mappings ?? [];
  return config.mappings;
}
