/** Lines of a recording-proxy log that are not reads of the distribution API. */
export function findWrites(jsonl: string): string[] {
  const writes: string[] = [];
  for (const line of jsonl.split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { method: string; path: string };
    if (entry.path.startsWith('/v2') && entry.method !== 'GET' && entry.method !== 'HEAD') {
      writes.push(`${entry.method} ${entry.path}`);
    }
  }
  return writes;
}
