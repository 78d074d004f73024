/**
 * A clear name to suggest for a new connector, from what the user typed so far: the platform
 * and what tells this registry apart (region, namespace, host), as in "Amazon ECR (eu-west-1)".
 * The user adds what only they know ("Production …").
 */
const SHORT: Readonly<Record<string, string>> = {
  dockerhub: 'Docker Hub',
  ecr: 'Amazon ECR',
  google: 'Google Artifact Registry',
  quay: 'Quay',
  ghcr: 'GitHub Packages',
  acr: 'Azure ACR',
  generic: 'Registry',
};

function hostOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  try {
    return new URL(value.includes('://') ? value : `https://${value}`).host || undefined;
  } catch {
    return undefined;
  }
}

export function suggestConnectorName(
  platform: { id: string; name: string },
  config: Readonly<Record<string, unknown>>,
): string {
  const base = SHORT[platform.id] ?? platform.name;
  const text = (key: string) => {
    const v = config[key];
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const detail =
    platform.id === 'generic'
      ? hostOf(config.endpoint)
      : [text('region') ?? text('location'), text('namespace') ?? text('project') ?? text('accountId')]
          .filter(Boolean)
          .join(', ') || undefined;
  return detail ? `${base} (${detail})` : base;
}
