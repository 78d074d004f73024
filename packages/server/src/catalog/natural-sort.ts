/**
 * A string key whose plain (binary) order is the natural order people expect of versions and
 * names: digit runs compare by value (`v1.9` < `v1.10`), letters case-insensitively, and
 * `latest` first when asked. Stored in a column so SQL can page by it (keyset pagination).
 */
export function naturalSortKey(name: string, options: { latestFirst?: boolean } = {}): string {
  if (options.latestFirst && name === 'latest') return '';
  // Each digit run becomes its length (2 digits) then the digits, so longer numbers sort later;
  // leading zeros are dropped but kept as a tie-breaker by the name column.
  return (
    '1' +
    name.toLowerCase().replace(/\d+/g, (run) => {
      const digits = run.replace(/^0+(?=\d)/, '');
      return `\u0001${String(digits.length).padStart(2, '0')}${digits}`;
    })
  );
}
