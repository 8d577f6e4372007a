// One HubSpot account of the fake: its CRM records, property schema and associations.
import { HUBSPOT_OBJECT_TYPES, type HubSpotObjectType } from '../../../receiver/domain/mapping-schema';
import {
  DEFAULT_GROUP,
  LAST_MODIFIED_PROPERTY,
  completeDefinition,
  defaultGroups,
  defaultProperties,
  isIdProperty,
  normalizeIdValue,
  type PropertyDefinition,
  type PropertyDefinitionInput,
  type PropertyGroup,
} from './properties';

export interface StoredObject {
  id: string;
  /** Only set properties; HubSpot reports unset requested ones as null. */
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  archived: false;
}

/** HubSpot-defined type ids of the default (unlabelled) association, per direction. */
const DEFAULT_ASSOCIATION_TYPE_ID: Record<string, number> = {
  'contacts>deals': 4,
  'deals>contacts': 3,
  'contacts>companies': 279,
  'companies>contacts': 280,
  'deals>companies': 341,
  'companies>deals': 342,
  'contacts>contacts': 449,
  'companies>companies': 450,
  'deals>deals': 451,
};

export function defaultAssociationTypeId(from: HubSpotObjectType, to: HubSpotObjectType): number {
  return DEFAULT_ASSOCIATION_TYPE_ID[`${from}>${to}`] ?? 0;
}

export interface IdSource {
  next(): string;
}

export class Portal {
  readonly objects = new Map<HubSpotObjectType, Map<string, StoredObject>>();
  readonly propertyDefs = new Map<HubSpotObjectType, Map<string, PropertyDefinition>>();
  readonly groups = new Map<HubSpotObjectType, Map<string, PropertyGroup>>();
  /** value → object id, per type and id-capable property; keeps upserts O(1) for benchmarks. */
  private readonly uniqueIndex = new Map<string, Map<string, string>>();
  /** Undirected edges: HubSpot shows an association from both sides. Key `type:id`. */
  private readonly edges = new Map<string, Set<string>>();

  constructor(
    readonly id: string,
    private readonly ids: IdSource,
    private readonly now: () => number,
  ) {
    for (const type of HUBSPOT_OBJECT_TYPES) {
      this.objects.set(type, new Map());
      this.propertyDefs.set(type, new Map(defaultProperties(type).map((d) => [d.name, d])));
      this.groups.set(type, new Map(defaultGroups(type).map((g) => [g.name, g])));
    }
  }

  store(type: HubSpotObjectType): Map<string, StoredObject> {
    return this.objects.get(type)!;
  }

  definitions(type: HubSpotObjectType): Map<string, PropertyDefinition> {
    return this.propertyDefs.get(type)!;
  }

  definition(type: HubSpotObjectType, name: string): PropertyDefinition | undefined {
    return this.definitions(type).get(name);
  }

  groupsOf(type: HubSpotObjectType): Map<string, PropertyGroup> {
    return this.groups.get(type)!;
  }

  defineProperty(type: HubSpotObjectType, input: PropertyDefinitionInput): PropertyDefinition {
    const at = new Date(this.now()).toISOString();
    const options = (input.options ?? []).map((option, index) => ({ displayOrder: index, hidden: false, ...option }));
    const definition = completeDefinition({ ...input, options }, input.groupName ?? DEFAULT_GROUP[type], at);
    if (!this.groupsOf(type).has(definition.groupName)) {
      this.groupsOf(type).set(definition.groupName, { name: definition.groupName, label: definition.groupName, displayOrder: -1, archived: false });
    }
    this.definitions(type).set(definition.name, definition);
    if (isIdProperty(type, definition)) this.rebuildIndex(type, definition.name);
    return definition;
  }

  private indexKey(type: HubSpotObjectType, property: string): string {
    return `${type}:${property}`;
  }

  private rebuildIndex(type: HubSpotObjectType, property: string): void {
    const index = new Map<string, string>();
    for (const object of this.store(type).values()) {
      const value = object.properties[property];
      if (value !== undefined && value !== '') index.set(normalizeIdValue(type, property, value), object.id);
    }
    this.uniqueIndex.set(this.indexKey(type, property), index);
  }

  private indexFor(type: HubSpotObjectType, property: string): Map<string, string> | undefined {
    if (!isIdProperty(type, this.definition(type, property))) return undefined;
    const key = this.indexKey(type, property);
    if (!this.uniqueIndex.has(key)) this.rebuildIndex(type, property);
    return this.uniqueIndex.get(key);
  }

  findByProperty(type: HubSpotObjectType, property: string, value: string): StoredObject | undefined {
    if (property === 'hs_object_id') return this.store(type).get(value);
    const index = this.indexFor(type, property);
    if (index) {
      const id = index.get(normalizeIdValue(type, property, value));
      return id === undefined ? undefined : this.store(type).get(id);
    }
    for (const object of this.store(type).values()) if (object.properties[property] === value) return object;
    return undefined;
  }

  /** Who else already holds `value` in a unique property, if anyone. */
  uniqueOwner(type: HubSpotObjectType, property: string, value: string): string | undefined {
    return this.indexFor(type, property)?.get(normalizeIdValue(type, property, value));
  }

  create(type: HubSpotObjectType, properties: Record<string, string>): StoredObject {
    const id = this.ids.next();
    const at = new Date(this.now()).toISOString();
    const object: StoredObject = {
      id,
      properties: { hs_object_id: id, createdate: at, [LAST_MODIFIED_PROPERTY[type]]: at },
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
    this.store(type).set(id, object);
    this.apply(type, object, properties, false);
    return object;
  }

  /** Merges validated values into an object; `''` clears a property as in HubSpot. */
  apply(type: HubSpotObjectType, object: StoredObject, properties: Record<string, string>, touch = true): void {
    for (const [name, value] of Object.entries(properties)) {
      const index = this.indexFor(type, name);
      const old = object.properties[name];
      if (index && old !== undefined && old !== '') index.delete(normalizeIdValue(type, name, old));
      if (value === '') delete object.properties[name];
      else {
        object.properties[name] = value;
        if (index) index.set(normalizeIdValue(type, name, value), object.id);
      }
    }
    if (touch) {
      const at = new Date(Math.max(this.now(), Date.parse(object.updatedAt))).toISOString();
      object.updatedAt = at;
      object.properties[LAST_MODIFIED_PROPERTY[type]] = at;
    }
  }

  remove(type: HubSpotObjectType, id: string): boolean {
    const object = this.store(type).get(id);
    if (!object) return false;
    this.apply(type, object, Object.fromEntries(Object.keys(object.properties).map((k) => [k, ''])), false);
    this.store(type).delete(id);
    const key = `${type}:${id}`;
    for (const other of this.edges.get(key) ?? []) this.edges.get(other)?.delete(key);
    this.edges.delete(key);
    return true;
  }

  associate(fromType: HubSpotObjectType, fromId: string, toType: HubSpotObjectType, toId: string): void {
    const a = `${fromType}:${fromId}`;
    const b = `${toType}:${toId}`;
    if (!this.edges.has(a)) this.edges.set(a, new Set());
    if (!this.edges.has(b)) this.edges.set(b, new Set());
    this.edges.get(a)!.add(b);
    this.edges.get(b)!.add(a);
  }

  associatedIds(fromType: HubSpotObjectType, fromId: string, toType: HubSpotObjectType): string[] {
    const prefix = `${toType}:`;
    return [...(this.edges.get(`${fromType}:${fromId}`) ?? [])]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length))
      .sort((x, y) => Number(x) - Number(y));
  }
}
