import { Command } from 'commander';
import { ApiError } from '../api/api-client.js';
import { openApiSession } from '../api/api-session.js';
import type { Connector } from '../api/api-types.js';
import { dockerConfigPath, listDockerLogins } from '../docker-config-file.js';
import { createPrompter, NoAnswerError } from '../terminal/prompt.js';
import { formatTable, printJson, styleFor } from '../terminal/output.js';
import { helpText } from './command-kit.js';
import { planDockerImport, type ImportStep } from './docker-import-plan.js';

interface ImportOptions {
  readonly file?: string;
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

type Outcome =
  | { registry: string; action: 'created'; connector: Connector }
  | { registry: string; action: 'skipped'; platform: string; reason: string }
  | { registry: string; action: 'failed'; platform: string; code: string; detail: string };

/**
 * `berth connectors import-docker-config`: connectors for the registries `docker login` already
 * knows, after showing what will be created (and asking, unless `--yes`).
 */
export function connectorsImportDockerConfigCommand(): Command {
  return new Command('import-docker-config')
    .description('Create connectors for the registries you are logged in to with docker login.')
    .option(
      '--file <config.json>',
      'the Docker client config (default $DOCKER_CONFIG/config.json, else ~/.docker/config.json)',
    )
    .option('-y, --yes', 'create them without asking')
    .option('--json', 'print what was created, skipped or failed as JSON')
    .option('-q, --quiet', 'print only the ids of the connectors created')
    .addHelpText(
      'after',
      helpText(
        [
          'berth connectors import-docker-config',
          'berth connectors import-docker-config --file ./ci-docker-config.json --yes',
        ],
        'Credential helpers (credsStore, credHelpers) are asked when their docker-credential-<name>\n' +
          'is installed. docker.io, ghcr.io, quay.io and *.azurecr.io become Docker Hub, GHCR, Quay and\n' +
          'ACR connectors; other registries generic ones. ECR and Google registries are skipped: they need\n' +
          'keys a Docker login does not hold. Each connector is validated before it is saved.\n' +
          `Exit codes: 0 done (or nothing to do), 1 a connector could not be created or you declined, 2 usage.`,
      ),
    )
    .action(async (options: ImportOptions) => {
      const api = openApiSession();
      const file = options.file ?? dockerConfigPath();
      const logins = await listDockerLogins({ file });
      const existing = await api.get<Connector[]>('/connectors');
      const plan = planDockerImport(logins, new Set(existing.map((c) => c.name)));
      const style = styleFor(process.stderr);
      const toCreate = plan.filter((s) => s.action === 'create');
      if (!options.json && !options.quiet) {
        process.stderr.write(`From ${file}:\n`);
        process.stderr.write(formatPlan(plan, style));
      }
      if (toCreate.length === 0) {
        if (options.json) printJson(plan.map(skipped));
        else if (!options.quiet) process.stderr.write('Nothing to create.\n');
        return;
      }
      if (!options.yes) {
        const prompter = createPrompter();
        let answer = '';
        try {
          answer = await prompter.ask(`Create ${toCreate.length} connector(s)? [y/N] `);
        } catch (error) {
          if (!(error instanceof NoAnswerError)) throw error;
        } finally {
          prompter.close();
        }
        if (!/^y(es)?$/i.test(answer.trim()))
          throw new Error('nothing created (answer y to create them, or pass --yes)');
      }
      const outcomes: Outcome[] = [];
      for (const step of plan) {
        if (step.action !== 'create') {
          outcomes.push(skipped(step));
          continue;
        }
        try {
          const connector = await api.post<Connector>('/connectors', step.connector);
          outcomes.push({ registry: step.login.registry, action: 'created', connector });
        } catch (error) {
          if (!(error instanceof ApiError) || error.status === 0 || error.status === 401) throw error;
          outcomes.push({
            registry: step.login.registry,
            action: 'failed',
            platform: step.connector.platform,
            code: error.code,
            detail: error.detail,
          });
        }
      }
      if (options.json) printJson(outcomes);
      else if (options.quiet) {
        for (const o of outcomes) if (o.action === 'created') process.stdout.write(`${o.connector.id}\n`);
      } else {
        for (const o of outcomes) {
          if (o.action === 'created')
            process.stdout.write(
              `${style.green('created')} ${o.connector.name} (${o.connector.id}) on ${o.connector.platform}\n`,
            );
          else if (o.action === 'failed')
            process.stdout.write(`${style.red('failed')}  ${o.registry}: ${o.detail}\n`);
        }
      }
      const failed = outcomes.filter((o) => o.action === 'failed').length;
      if (failed > 0) throw new Error(`${failed} connector(s) could not be created`);
    });
}

function skipped(step: ImportStep): Outcome {
  return step.action === 'skip'
    ? { registry: step.login.registry, action: 'skipped', platform: step.platform, reason: step.reason }
    : {
        registry: step.login.registry,
        action: 'skipped',
        platform: step.connector.platform,
        reason: 'not created',
      };
}

function formatPlan(plan: readonly ImportStep[], style: ReturnType<typeof styleFor>): string {
  if (plan.length === 0) return '  (no registry logins)\n';
  return formatTable(
    ['REGISTRY', 'PLATFORM', 'CREDENTIALS', 'ACTION'],
    plan.map((s) => [
      s.login.registry,
      s.action === 'create' ? s.connector.platform : s.platform,
      s.login.credentials
        ? `${'username' in s.login.credentials ? s.login.credentials.username : 'token'} (${s.login.source})`
        : s.login.source,
      s.action === 'create' ? style.green(`create "${s.connector.name}"`) : style.yellow(`skip: ${s.reason}`),
    ]),
    style,
  );
}
