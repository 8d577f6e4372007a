// What the PostgreSQL pieces here need of a connection pool: pg's Pool (and PoolClient) fit it as they are.
export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
}
