// Object mappings in pretix's datasync JSON shape (see ../shared/fixtures/pretix/datasync-object-mappings-example.json),
// so a mapping written for pretix's own HubSpot plugin reads here unchanged.
import { z } from 'zod';

export const MODES = ['overwrite', 'if_new', 'if_empty', 'append'] as const;
export const modeSchema = z.enum(MODES);
export type Mode = z.infer<typeof modeSchema>;
export const MODE_LABELS: Record<Mode, string> = {
  overwrite: 'Overwrite',
  if_new: 'Fill if new',
  if_empty: 'Fill if empty',
  append: 'Add to list',
};

export const HUBSPOT_OBJECT_TYPES = ['contacts', 'deals', 'companies'] as const;
export const hubspotObjectTypeSchema = z.enum(HUBSPOT_OBJECT_TYPES);
export type HubSpotObjectType = z.infer<typeof hubspotObjectTypeSchema>;

/** pretix stores value_map as a JSON-encoded string ('' for none); we accept that or a plain object. */
const valueMapSchema = z
  .union([z.string(), z.record(z.string(), z.string())])
  .default('')
  .transform((raw, ctx): Record<string, string> => {
    if (typeof raw !== 'string') return raw;
    if (raw.trim() === '') return {};
    try {
      const parsed: unknown = JSON.parse(raw);
      const result = z.record(z.string(), z.string()).safeParse(parsed);
      if (result.success) return result.data;
    } catch {
      // fall through to the issue below
    }
    ctx.addIssue({ code: 'custom', message: 'value_map must be a JSON object of strings' });
    return z.NEVER;
  });

export const propertyMappingSchema = z.object({
  pretix_field: z.string().min(1).max(200),
  external_field: z.string().min(1).max(200),
  value_map: valueMapSchema,
  overwrite: modeSchema,
});
export type PropertyMapping = z.infer<typeof propertyMappingSchema>;

export const objectMappingSchema = z.object({
  id: z.union([z.number().int(), z.string().min(1).max(64)]),
  pretix_model: z.enum(['Order', 'OrderPosition']),
  external_object_type: hubspotObjectTypeSchema,
  pretix_id_field: z.string().min(1).max(200),
  external_id_field: z.string().min(1).max(200),
  property_mappings: z.array(propertyMappingSchema).max(200).default([]),
  /** Associate each object of this mapping with the objects an earlier mapping produced for the same order. */
  association_mappings: z.array(z.object({ via_mapping_id: z.union([z.number().int(), z.string()]) })).default([]),
});
export type ObjectMapping = z.infer<typeof objectMappingSchema>;

export const objectMappingsSchema = z
  .array(objectMappingSchema)
  .max(50)
  .superRefine((mappings, ctx) => {
    const seen = new Set<string>();
    mappings.forEach((mapping, index) => {
      const id = String(mapping.id);
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate mapping id ${id}` });
      for (const association of mapping.association_mappings) {
        if (!seen.has(String(association.via_mapping_id))) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'association_mappings'],
            message: `mapping ${id} can only associate with an earlier mapping, not ${association.via_mapping_id}`,
          });
        }
      }
      seen.add(id);
    });
  });

/** Accepts either a bare array or pretix's `{ "object_mappings": [...] }` file shape. */
export const mappingFileSchema = z.union([
  objectMappingsSchema,
  z.looseObject({ object_mappings: objectMappingsSchema }).transform((file) => file.object_mappings),
]);
