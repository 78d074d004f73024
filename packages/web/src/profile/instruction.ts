/**
 * A history step's `created_by` as the Dockerfile line it came from: the shell wrapper of
 * classic builders (`/bin/sh -c #(nop) `, `/bin/sh -c `) and BuildKit's `# buildkit` suffix
 * removed.
 */
export function instruction(createdBy: string | null | undefined): string {
  if (!createdBy) return '';
  let text = createdBy.trim().replace(/\s+# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s+/.exec(text);
  if (nop) return text.slice(nop[0].length).trim();
  if (text.startsWith('/bin/sh -c ')) text = `RUN ${text.slice('/bin/sh -c '.length)}`;
  return text;
}
