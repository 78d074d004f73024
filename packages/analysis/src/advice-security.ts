import { finding, type AdviceInput } from './advice.js';
import type { ProfileAdvice } from './container-profile.js';

const PATH_DIRS = ['usr/local/sbin', 'usr/local/bin', 'usr/sbin', 'usr/bin', 'sbin', 'bin'];

/** No USER, or one that maps to uid 0. */
export function rootUserRule(input: AdviceInput): ProfileAdvice[] {
  const { overview } = input.profile;
  if (!overview.runsAsRoot) return [];
  return [
    finding({
      id: 'runs-as-root',
      title: 'Runs as root',
      detail:
        overview.user === ''
          ? 'The image sets no USER, so its processes run as root unless the runtime says otherwise; add a non-root USER.'
          : `USER ${overview.user} is root; run as an unprivileged user instead.`,
      estimatedSavingsBytes: 0,
      severity: 'medium',
      suggestion: 'RUN useradd --system --uid 10001 app\nUSER 10001',
    }),
  ];
}

/** Shells and package managers let an intruder explore and install; production rarely needs them. */
export function shellsRule(input: AdviceInput): ProfileAdvice[] {
  const { shells, packageManagers } = input.profile.overview;
  if (shells.length === 0 && packageManagers.length === 0) return [];
  const managerPaths = packageManagers.flatMap((name) => {
    const dir = PATH_DIRS.find(
      (d) => input.fileSystem.lookup(`${d}/${name}`, { follow: true })?.type === 'file',
    );
    return dir === undefined ? [] : [`/${dir}/${name}`];
  });
  const what = [
    shells.length > 0 ? `${shells.length} shell(s)` : '',
    packageManagers.length > 0 ? `package manager(s) ${packageManagers.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return [
    finding(
      {
        id: 'shells-and-package-managers',
        title: 'Shells and package managers present',
        detail: `The image ships ${what}, which a production container rarely needs and an attacker gladly uses; consider a distroless or scratch-based final stage.`,
        estimatedSavingsBytes: 0,
        severity: 'low',
      },
      [...shells, ...managerPaths],
    ),
  ];
}

/** setuid/setgid executables are privilege-escalation paths. */
export function setuidRule(input: AdviceInput): ProfileAdvice[] {
  const { setuid, setgid } = input.profile.security;
  const paths = [...new Set([...setuid, ...setgid])].sort();
  if (paths.length === 0) return [];
  return [
    finding(
      {
        id: 'setuid-binaries',
        title: 'setuid and setgid executables',
        detail: `${setuid.length} setuid and ${setgid.length} setgid file(s) can raise a process's privileges; remove them or clear the bits (chmod u-s,g-s) unless the application needs them.`,
        estimatedSavingsBytes: 0,
        severity: setuid.length > 0 ? 'medium' : 'low',
        suggestion: 'RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +',
      },
      paths,
    ),
  ];
}

/** `.env`, `.env.production`…; templates that hold no values are not secrets. */
const ENV_FILE = /(?:^|\/)\.env(?:\.(?!example$|sample$|template$|dist$|defaults$)[^/]+)?$/;

/** Private keys and `.env` files baked into a layer are readable by anyone who can pull it. */
export function secretsRule(input: AdviceInput): ProfileAdvice[] {
  const envFiles = input.files
    .filter(([path, node]) => node.type === 'file' && path.includes('.env') && ENV_FILE.test(path))
    .map(([path]) => `/${path}`);
  const paths = [...new Set([...input.profile.security.privateKeys, ...envFiles])].sort();
  if (paths.length === 0) return [];
  const keys = input.profile.security.privateKeys.length;
  return [
    finding(
      {
        id: 'secrets',
        title: 'Private keys or .env files baked in',
        detail: `${keys} private key(s) and ${envFiles.length} .env file(s) are readable by anyone who can pull the image (deleting them in a later layer does not help); pass secrets at run time or with BuildKit secret mounts.`,
        estimatedSavingsBytes: 0,
        severity: 'high',
        suggestion: 'RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci',
      },
      paths,
    ),
  ];
}

/**
 * Certificates past their `notAfter` (or within 30 days of it) break TLS the day they are
 * used; expired CAs in a trust store mean an outdated `ca-certificates`.
 */
export function certificatesRule(input: AdviceInput): ProfileAdvice[] {
  const { certificates, certificateBundles } = input.profile.security;
  const expired = certificates.filter((c) => c.expired);
  const soon = certificates.filter((c) => c.expiresSoon);
  const bundles = certificateBundles.filter((b) => b.expired > 0);
  if (expired.length + soon.length + bundles.length === 0) return [];
  const inBundles = bundles.reduce((sum, b) => sum + b.expired, 0);
  const parts = [
    expired.length > 0 ? `${expired.length} certificate(s) have expired` : '',
    soon.length > 0 ? `${soon.length} expire(s) within 30 days` : '',
    inBundles > 0 ? `${inBundles} expired certificate(s) sit in trust stores or bundles` : '',
  ].filter(Boolean);
  return [
    finding(
      {
        id: 'expired-certificates',
        title: 'Expired or expiring certificates',
        detail: `${parts.join(', ')}; renew them and mount certificates at run time instead of baking them in, and keep ca-certificates up to date.`,
        estimatedSavingsBytes: 0,
        severity: expired.length > 0 ? 'medium' : 'low',
        suggestion: 'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates',
      },
      [...expired, ...soon].map((c) => c.path).concat(bundles.map((b) => b.path)),
    ),
  ];
}
