/**
 * A platform's mark: its initials on its brand colour (no vendor artwork is shipped, which
 * keeps the bundle small and trademarks untouched).
 */
const MARKS: Readonly<Record<string, { label: string; color: string; name: string }>> = {
  dockerhub: { label: 'D', color: '#1d63ed', name: 'Docker Hub' },
  ecr: { label: 'ECR', color: '#e07a00', name: 'Amazon ECR' },
  google: { label: 'G', color: '#4285f4', name: 'Google Artifact Registry' },
  quay: { label: 'Q', color: '#c22026', name: 'Red Hat Quay' },
  ghcr: { label: 'GH', color: '#24292f', name: 'GitHub Packages' },
  acr: { label: 'Az', color: '#0078d4', name: 'Azure Container Registry' },
  generic: { label: 'OCI', color: '#475569', name: 'OCI registry' },
};

export function platformName(id: string, fallback?: string): string {
  return fallback ?? MARKS[id]?.name ?? id;
}

export function PlatformMark({ platform, size = 32 }: { platform: string; size?: number }) {
  const mark = MARKS[platform] ?? { label: platform.slice(0, 2).toUpperCase(), color: '#64748b' };
  return (
    <span
      className="platform-mark"
      style={{
        background: mark.color,
        width: size,
        height: size,
        fontSize: mark.label.length > 2 ? size * 0.3 : size * 0.4,
      }}
      aria-hidden="true"
    >
      {mark.label}
    </span>
  );
}
