// docs/deploy.md's docker-compose.yml (no Docker engine runs here): it parses, starts
// PostgreSQL, one API-only process and two workers with the same database and master key, and
// every berth command line in it is one the CLI accepts.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createProgram } from '@berth/cli';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_signal?: string;
}

const root = new URL('../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
  it('runs PostgreSQL 15, one API process and two workers', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'worker-1', 'worker-2']);
    expect(compose.services.postgres?.image).toMatch(/^postgres:15\b/);
    expect(compose.services.postgres?.healthcheck?.test).toContain('pg_isready');
    expect(compose.services.api?.command?.slice(2, 4)).toEqual(['serve', '--no-worker']);
    for (const name of ['worker-1', 'worker-2']) expect(compose.services[name]?.command?.[2]).toBe('worker');
  });

  it('gives every Berth process the same database and master key, after PostgreSQL is healthy', () => {
    const berth = ['api', 'worker-1', 'worker-2'].map((name) => compose.services[name] as Service);
    for (const service of berth) {
      expect(service.environment?.BERTH_DATABASE_URL).toMatch(
        /^postgres:\/\/berth:\$\{POSTGRES_PASSWORD[^}]*\}@postgres:5432\/berth$/,
      );
      expect(service.environment?.BERTH_MASTER_KEY).toMatch(/^\$\{BERTH_MASTER_KEY/);
      expect(service.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(service.stop_signal).toBe('SIGTERM');
    }
    expect(compose.services.api?.environment?.BERTH_HOST).toBe('0.0.0.0');
  });

  it('uses only commands and options the CLI has', () => {
    const program = createProgram();
    for (const service of ['api', 'worker-1', 'worker-2'].map((name) => compose.services[name] as Service)) {
      const [node, bin, name, ...args] = service.command ?? [];
      expect([node, bin]).toEqual(['node', 'packages/cli/dist/bin.js']);
      const command = program.commands.find((c) => c.name() === name);
      expect(command, name).toBeDefined();
      const flags = new Set(command?.options.flatMap((o) => [o.long, o.short]).filter(Boolean));
      for (const arg of args.filter((a) => a.startsWith('-'))) expect(flags, `${name} ${arg}`).toContain(arg);
    }
  });

  it('is described in docs/deploy.md', () => {
    const guide = readFileSync(new URL('docs/deploy.md', root), 'utf8');
    expect(guide).toContain('](../docker-compose.yml)');
    expect(guide).toContain('berth worker');
    expect(guide).toContain('BERTH_MASTER_KEY');
  });
});
