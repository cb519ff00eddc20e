/** A running private PostgreSQL cluster. */
export interface PgCluster {
  /** URL of database `gatepass` in the cluster, e.g. postgres://postgres@127.0.0.1:PORT/gatepass. */
  url: string;
  /** Creates another empty database in the cluster and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the cluster and deletes its data folder. */
  stop(): Promise<void>;
}
/** Starts a throwaway PostgreSQL cluster on 127.0.0.1; throws with an install hint if PostgreSQL is missing. */
export function startPgCluster(): Promise<PgCluster>;
