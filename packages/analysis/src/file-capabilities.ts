/** Capability names by number, from linux/include/uapi/linux/capability.h. */
const CAPABILITIES = [
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'linux_immutable',
  'net_bind_service',
  'net_broadcast',
  'net_admin',
  'net_raw',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_chroot',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'mknod',
  'lease',
  'audit_write',
  'audit_control',
  'setfcap',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
  'perfmon',
  'bpf',
  'checkpoint_restore',
];

const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

/**
 * Decodes a `security.capability` xattr (`struct vfs_cap_data`, revisions 1–3) into the text
 * form of getcap(8)/cap_to_text(3), e.g. `cap_net_bind_service=ep`. Undefined when malformed.
 */
export function decodeFileCapabilities(value: Buffer): string | undefined {
  if (value.length < 12) return undefined;
  const magic = value.readUInt32LE(0);
  const revision = magic & 0xff000000;
  const words = revision === 0x01000000 ? 1 : revision === 0x02000000 || revision === 0x03000000 ? 2 : 0;
  if (words === 0 || value.length < 4 + 8 * words) return undefined;
  let permitted = 0n;
  let inheritable = 0n;
  for (let i = 0; i < words; i++) {
    permitted |= BigInt(value.readUInt32LE(4 + 8 * i)) << BigInt(32 * i);
    inheritable |= BigInt(value.readUInt32LE(8 + 8 * i)) << BigInt(32 * i);
  }
  const effective = (magic & VFS_CAP_FLAGS_EFFECTIVE) !== 0;
  const names = (mask: bigint): string[] => {
    const out: string[] = [];
    for (let bit = 0; bit < 64; bit++) {
      if (mask & (1n << BigInt(bit))) out.push(`cap_${CAPABILITIES[bit] ?? String(bit)}`);
    }
    return out;
  };
  const clauses: string[] = [];
  const both = permitted & inheritable;
  const onlyP = permitted & ~inheritable;
  const onlyI = inheritable & ~permitted;
  if (both) clauses.push(`${names(both).join(',')}=${effective ? 'e' : ''}ip`);
  if (onlyP) clauses.push(`${names(onlyP).join(',')}=${effective ? 'e' : ''}p`);
  if (onlyI) clauses.push(`${names(onlyI).join(',')}=i`);
  const rootId = revision === 0x03000000 && value.length >= 24 ? value.readUInt32LE(20) : 0;
  return clauses.join(' ') + (rootId ? ` [rootid=${rootId}]` : '');
}
