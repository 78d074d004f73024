import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { openApiSession } from '../api/api-session.js';
import type { Connector, Platform, PlatformField } from '../api/api-types.js';
import { createPrompter, NoAnswerError, type Prompter } from '../terminal/prompt.js';
import { printJson } from '../terminal/output.js';
import { API_EXIT_CODES, helpText, usageError } from './command-kit.js';

interface AddOptions {
  readonly platform?: string;
  readonly name?: string;
  readonly set: string[];
  readonly fromFile?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** `POST /connectors` body. */
export interface NewConnector {
  platform?: string;
  name?: string;
  config: Record<string, unknown>;
  credentials: Record<string, string>;
}

/** Text as a field of its kind wants it: a list splits at commas, a boolean is true or false. */
export function fieldValue(field: PlatformField, text: string): string | boolean | string[] {
  if (field.kind === 'list')
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (field.kind === 'boolean') {
    if (/^(y|yes|true|1)$/i.test(text.trim())) return true;
    if (/^(n|no|false|0)$/i.test(text.trim())) return false;
    throw new Error(`${field.name} must be true or false (or yes/no), got "${text}"`);
  }
  return text;
}

/** Reads a `--from-file` document: the `POST /connectors` body. */
function readConnectorFile(path: string): Partial<NewConnector> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${path} must hold a JSON object {platform, name, config, credentials}`);
  const doc = parsed as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!['platform', 'name', 'config', 'credentials'].includes(key))
      throw new Error(`${path}: unknown key "${key}" (expected platform, name, config, credentials)`);
  }
  const objectAt = (key: string): Record<string, never> | undefined => {
    const v = doc[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error(`${path}: ${key} must be an object`);
    return v as Record<string, never>;
  };
  return {
    ...(typeof doc.platform === 'string' ? { platform: doc.platform } : {}),
    ...(typeof doc.name === 'string' ? { name: doc.name } : {}),
    config: objectAt('config') ?? {},
    credentials: objectAt('credentials') ?? {},
  };
}

const fieldPrompt = (field: PlatformField): string => {
  const hints = [
    field.required ? '' : 'optional',
    field.kind === 'list' ? 'comma-separated' : '',
    field.kind === 'boolean' ? 'y/n' : '',
  ]
    .filter(Boolean)
    .join(', ');
  const example = field.placeholder ? ` e.g. ${field.placeholder}` : '';
  return `${field.label}${hints || example ? ` (${[hints, example.trim()].filter(Boolean).join('; ')})` : ''}: `;
};

async function askField(
  prompter: Prompter,
  field: PlatformField,
): Promise<string | boolean | string[] | undefined> {
  for (;;) {
    const answer = (await prompter.ask(fieldPrompt(field), { hidden: field.secret })).trim();
    if (answer === '') {
      if (!field.required) return undefined;
      process.stderr.write(`${field.label} is required.\n`);
      continue;
    }
    try {
      return fieldValue(field, answer);
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n`);
    }
  }
}

/**
 * `berth connectors add`: with `--platform` and `--name` it sends what the flags and
 * `--from-file` say (the server validates and names any problem); otherwise it asks for the
 * platform, the name and each of the platform's fields (from `GET /platforms`), secrets hidden.
 */
export function connectorsAddCommand(): Command {
  return new Command('add')
    .description('Connect a registry: asks for the platform’s fields, or takes them from flags or a file.')
    .option('--platform <id>', 'dockerhub, ecr, google, quay, ghcr, acr or generic')
    .option('--name <name>', 'a name for the connector, e.g. "Production ECR (eu-west-1)"')
    .option(
      '--set <key=value>',
      'a config or credential field (repeatable); lists comma-separated',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--from-file <file.json>', 'read {platform, name, config, credentials} from a JSON file')
    .option('--json', 'print the created connector as JSON')
    .option('-q, --quiet', 'print only the new connector’s id')
    .addHelpText(
      'after',
      helpText(
        [
          'berth connectors add                      # asks for everything',
          'berth connectors add --platform generic --name local --set endpoint=http://127.0.0.1:5000',
          'berth connectors add --platform dockerhub --name "Docker Hub" --set username=me --set token=$HUB_PAT',
          'berth connectors add --from-file ecr.json --name "Production ECR"',
        ],
        `Without both --platform and --name, the missing fields are asked for on the terminal (or read\nfrom stdin, one per line); secret fields are not echoed. The credentials are validated against\nthe registry before the connector is saved, and its first sync starts at once.\n${API_EXIT_CODES}`,
      ),
    )
    .action(async function (this: Command, options: AddOptions) {
      const api = openApiSession();
      const body: NewConnector = options.fromFile
        ? { config: {}, credentials: {}, ...readConnectorFile(options.fromFile) }
        : { config: {}, credentials: {} };
      if (options.platform) body.platform = options.platform;
      if (options.name) body.name = options.name;
      const interactive = body.platform === undefined || body.name === undefined;
      const platforms = await api.get<Platform[]>('/platforms');
      const prompter = createPrompter();
      try {
        if (body.platform === undefined) body.platform = await askPlatform(prompter, platforms);
        const platform = platforms.find((p) => p.id === body.platform);
        if (!platform)
          return usageError(
            this,
            `unknown platform "${body.platform}" (one of ${platforms.map((p) => p.id).join(', ')})`,
          );
        for (const assignment of options.set) {
          const eq = assignment.indexOf('=');
          if (eq <= 0) return usageError(this, `--set wants key=value, got "${assignment}"`);
          const key = assignment.slice(0, eq);
          const text = assignment.slice(eq + 1);
          const credential = platform.credentialFields.find((f) => f.name === key);
          const config = platform.configFields.find((f) => f.name === key);
          if (credential) body.credentials[key] = text;
          else if (config) {
            try {
              body.config[key] = fieldValue(config, text);
            } catch (error) {
              return usageError(this, (error as Error).message);
            }
          } else {
            const known = [...platform.configFields, ...platform.credentialFields]
              .map((f) => f.name)
              .join(', ');
            return usageError(this, `${platform.id} has no field "${key}" (fields: ${known})`);
          }
        }
        if (interactive) {
          process.stderr.write(`\n${platform.name}\n${platform.instructions}\n\n`);
          if (body.name === undefined) {
            let name = '';
            while (name === '') name = (await prompter.ask('Name for this connector: ')).trim();
            body.name = name;
          }
          for (const [key, value] of Object.entries(platform.suggestedConfig ?? {}))
            body.config[key] ??= value;
          for (const field of platform.configFields) {
            if (body.config[field.name] !== undefined) continue;
            const value = await askField(prompter, field);
            if (value !== undefined) body.config[field.name] = value;
          }
          for (const field of platform.credentialFields) {
            if (body.credentials[field.name] !== undefined) continue;
            const value = await askField(prompter, field);
            if (value !== undefined) body.credentials[field.name] = String(value);
          }
        }
      } catch (error) {
        if (error instanceof NoAnswerError)
          throw new Error(
            `${error.message}; give --platform and --name (with --set or --from-file) to add without questions`,
            { cause: error },
          );
        throw error;
      } finally {
        prompter.close();
      }
      if (interactive) process.stderr.write(`Checking the credentials against the registry…\n`);
      const created = await api.post<Connector>('/connectors', body);
      if (options.json) printJson(created);
      else if (options.quiet) process.stdout.write(`${created.id}\n`);
      else
        process.stdout.write(
          `Created connector ${created.name} (${created.id}) on ${created.platform}; its first sync has started\n`,
        );
    });
}

async function askPlatform(prompter: Prompter, platforms: readonly Platform[]): Promise<string> {
  process.stderr.write(
    `Platforms:\n${platforms.map((p, i) => `  ${String(i + 1).padStart(2)}) ${p.id.padEnd(10)} ${p.name}`).join('\n')}\n`,
  );
  for (;;) {
    const answer = (await prompter.ask('Platform (number or id): ')).trim();
    const byNumber = /^\d+$/.test(answer) ? platforms[Number(answer) - 1] : undefined;
    const found = byNumber ?? platforms.find((p) => p.id === answer.toLowerCase());
    if (found) return found.id;
    process.stderr.write(`"${answer}" is not one of the platforms listed.\n`);
  }
}
