// Mappings used by the scenario tests: the fixture's example (pretix's datasync shape) plus the deal→contact
// association our receiver adds on top.
import { objectMappingsSchema, type ObjectMapping } from '../../receiver/domain/mapping-schema';
import { loadFixture } from '../fixtures';

export function exampleMappings(): ObjectMapping[] {
  const file = loadFixture<{ object_mappings: unknown[] }>('datasync-object-mappings-example.json');
  const mappings = objectMappingsSchema.parse(file.object_mappings);
  const deal = mappings.find((m) => m.external_object_type === 'deals');
  if (deal) deal.association_mappings = [{ via_mapping_id: 1 }];
  return mappings;
}

/** The same, as the JSON body an operator would PUT (value maps JSON-encoded the pretix way). */
export function exampleMappingsBody(): unknown {
  const file = loadFixture<{ object_mappings: Record<string, unknown>[] }>('datasync-object-mappings-example.json');
  for (const mapping of file.object_mappings) {
    if (mapping.external_object_type === 'deals') mapping.association_mappings = [{ via_mapping_id: 1 }];
  }
  return file;
}
