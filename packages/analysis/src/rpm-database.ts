import { RpmDatabaseError } from './rpm-error.js';
import { parseRpmHeader, type RpmPackage } from './rpm-header.js';
import { readSqliteTable } from './rpm-sqlite.js';

export { RpmDatabaseError } from './rpm-error.js';

/**
 * rpm's package database formats: SQLite (rpm ≥ 4.16: Fedora 33+, RHEL/UBI 9, openSUSE),
 * Berkeley DB hash (`Packages`: RHEL/CentOS 7 and 8, Amazon Linux 2) and NDB (`Packages.db`:
 * SUSE). Only SQLite is read; the others are reported as present but not supported (no
 * maintained JavaScript parser of either exists).
 */
export type RpmDatabaseFormat = 'sqlite' | 'bdb' | 'ndb';

/** Where each format lives: the traditional `/var/lib/rpm` and the newer `/usr/lib/sysimage/rpm`. */
export const RPM_DATABASE_FILES: readonly { readonly path: string; readonly format: RpmDatabaseFormat }[] = [
  'usr/lib/sysimage/rpm',
  'var/lib/rpm',
].flatMap((dir) => [
  { path: `${dir}/rpmdb.sqlite`, format: 'sqlite' as const },
  { path: `${dir}/Packages.db`, format: 'ndb' as const },
  { path: `${dir}/Packages`, format: 'bdb' as const },
]);

/** Largest `rpmdb.sqlite` kept for reading (a full RHEL install's is ~30 MiB). */
export const RPM_SQLITE_MAX_BYTES = 96 * 1024 * 1024;

/** `gpg-pubkey` rows are imported signing keys, not software (rpm lists them as packages). */
const PSEUDO_PACKAGES = new Set(['gpg-pubkey']);

/**
 * The installed packages of an `rpmdb.sqlite` file held in memory: each row of its `Packages`
 * table is an rpm header blob. Signing keys (`gpg-pubkey`) are left out. Throws
 * {@link RpmDatabaseError} naming the row for a corrupt file or header.
 *
 * @example
 * readRpmSqliteDatabase(await readFile('/var/lib/rpm/rpmdb.sqlite')).map((p) => p.name);
 */
export function readRpmSqliteDatabase(data: Buffer): RpmPackage[] {
  const rows = readSqliteTable(data, 'Packages');
  if (!rows) throw new RpmDatabaseError('the SQLite database has no Packages table: not an rpm database');
  const out: RpmPackage[] = [];
  rows.forEach((row, index) => {
    const blob = row[1];
    if (!Buffer.isBuffer(blob)) throw new RpmDatabaseError(`Packages row ${index + 1} holds no header blob`);
    let pkg: RpmPackage;
    try {
      pkg = parseRpmHeader(blob);
    } catch (error) {
      if (error instanceof RpmDatabaseError) {
        throw new RpmDatabaseError(`Packages row ${index + 1}: ${error.message}`, { cause: error });
      }
      throw error;
    }
    if (!PSEUDO_PACKAGES.has(pkg.name)) out.push(pkg);
  });
  return out;
}

/**
 * An rpm package's full version as rpm prints `%{EVR}`: `[epoch:]version-release`.
 *
 * @example
 * rpmEvr({ name: 'bash', version: '5.2', release: '1.fc40', epoch: 1 }); // '1:5.2-1.fc40'
 */
export function rpmEvr(pkg: Pick<RpmPackage, 'version' | 'release' | 'epoch'>): string {
  const vr = pkg.release ? `${pkg.version}-${pkg.release}` : pkg.version;
  return pkg.epoch === undefined ? vr : `${pkg.epoch}:${vr}`;
}
