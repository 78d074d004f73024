const TYPE_CHAR: Record<string, string> = {
  dir: 'd',
  symlink: 'l',
  char: 'c',
  block: 'b',
  fifo: 'p',
  socket: 's',
};

/** `0o4755` of a file → `-rwsr-xr-x`, as `ls -l` writes it (setuid, setgid, sticky included). */
export function modeString(mode: number, type = 'file'): string {
  const bit = (mask: number, char: string) => (mode & mask ? char : '-');
  const special = (exec: number, flag: number, on: string) => {
    const x = (mode & exec) !== 0;
    if (mode & flag) return x ? on : on.toUpperCase();
    return x ? 'x' : '-';
  };
  return (
    (TYPE_CHAR[type] ?? '-') +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(0o100, 0o4000, 's') +
    bit(0o40, 'r') +
    bit(0o20, 'w') +
    special(0o10, 0o2000, 's') +
    bit(0o4, 'r') +
    bit(0o2, 'w') +
    special(0o1, 0o1000, 't')
  );
}
