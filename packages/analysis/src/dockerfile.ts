import type { HistoryEntry } from '@berth/oci';

/**
 * Reconstructs a Dockerfile from an image's history: each `created_by` becomes one
 * instruction. Classic builder entries (`/bin/sh -c #(nop)  CMD […]`, `/bin/sh -c apt-get …`)
 * and BuildKit's (`RUN /bin/sh -c … # buildkit`, `|2 A=1 B=2 /bin/sh -c …` for build args) are
 * turned back into instructions; anything else (`ADD file:… in /`) is kept as written.
 *
 * @example
 * reconstructDockerfile([{ createdBy: '/bin/sh -c #(nop)  CMD ["bash"]', emptyLayer: true }]); // 'CMD ["bash"]\n'
 */
export function reconstructDockerfile(history: readonly HistoryEntry[]): string {
  const lines = history.map((entry) => toInstruction(entry.createdBy ?? ''));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function toInstruction(createdBy: string): string {
  let text = createdBy.trim();
  if (text === '') return '# (no build step recorded)';
  text = text.replace(/\s+# buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(text);
  if (nop) return (nop[1] as string).trim();
  // BuildKit prefixes RUN steps with the build args in effect: `RUN |2 A=1 B=2 /bin/sh -c cmd`.
  text = text.replace(/^(RUN )?\|\d+\s+(?:\S+=\S*\s+)*/, '$1');
  const shell = /^(?:RUN )?\/bin\/sh -c (.*)$/s.exec(text);
  if (shell) return `RUN ${(shell[1] as string).trim()}`;
  if (/^[A-Z]+(\s|$)/.test(text)) return text;
  return `# ${text}`;
}
