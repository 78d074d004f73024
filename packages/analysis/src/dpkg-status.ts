export interface DpkgPackage {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  /** The third word of `Status:` (`installed`, `half-configured`, `config-files`…). */
  readonly state: string;
}

/**
 * Parses dpkg's status database (deb-control(5) paragraphs, as in `/var/lib/dpkg/status` or a
 * distroless `status.d/` file). Packages that are `not-installed` or only left `config-files`
 * are dropped, as `dpkg-query -W` and `dpkg -l` hide purged and removed packages.
 */
export function parseDpkgStatus(text: string): DpkgPackage[] {
  const out: DpkgPackage[] = [];
  for (const paragraph of text.split(/\n[ \t]*\n/)) {
    const fields = controlFields(paragraph);
    const name = fields.get('package');
    if (!name) continue;
    // Distroless status.d files carry no Status field: everything in them is installed.
    const state = (fields.get('status') ?? 'install ok installed').split(/\s+/)[2] ?? '';
    if (state === 'not-installed' || state === 'config-files') continue;
    out.push({
      name,
      version: fields.get('version') ?? '',
      architecture: fields.get('architecture') ?? '',
      state,
    });
  }
  return out;
}

/** Single-line fields of one control paragraph (continuation lines are skipped), keys lower-cased. */
export function controlFields(paragraph: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of paragraph.split('\n')) {
    if (line === '' || line.startsWith(' ') || line.startsWith('\t') || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return fields;
}
