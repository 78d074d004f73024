/**
 * An rpm database (or the SQLite file holding it) that cannot be read: truncated, corrupt,
 * hostile or in a format Berth does not parse. The message names the exact problem and offset.
 * A profile reports it next to the database instead of failing the whole analysis.
 */
export class RpmDatabaseError extends Error {
  override readonly name = 'RpmDatabaseError';
}
