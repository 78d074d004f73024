import { Command } from 'commander';
import { openApiSession } from '../api/api-session.js';
import { printJson } from '../terminal/output.js';
import { API_EXIT_CODES, findConnector, helpText } from './command-kit.js';
import { waitForJob } from './job-progress.js';

interface SyncOptions {
  readonly wait?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** `berth connectors sync CONNECTOR [--wait]`: refreshes the catalog of repositories and tags. */
export function connectorsSyncCommand(): Command {
  return new Command('sync')
    .description('Sync a connector’s catalog (repositories and tags) now.')
    .argument('<connector>', 'connector name or id')
    .option('--wait', 'wait for the sync to finish, with a progress bar on stderr')
    .option('--json', 'print {jobId} (with --wait: the finished job) as JSON')
    .option('-q, --quiet', 'print only the job id')
    .addHelpText(
      'after',
      helpText(
        [
          'berth connectors sync "Docker Hub"',
          'berth connectors sync local --wait',
          'berth connectors sync local --wait --json',
        ],
        `With --wait, a failed sync exits 1 with the registry's error.\n${API_EXIT_CODES}`,
      ),
    )
    .action(async (nameOrId: string, options: SyncOptions) => {
      const api = openApiSession();
      const connector = await findConnector(api, nameOrId);
      const { jobId } = await api.post<{ jobId: string }>(
        `/connectors/${encodeURIComponent(connector.id)}/sync`,
      );
      if (!options.wait) {
        if (options.json) printJson({ jobId });
        else if (options.quiet) process.stdout.write(`${jobId}\n`);
        else
          process.stdout.write(`Sync of ${connector.name} started (job ${jobId}); follow it with --wait\n`);
        return;
      }
      const job = await waitForJob(api, jobId, process.stderr);
      if (options.json) printJson(job);
      else if (options.quiet) process.stdout.write(`${jobId}\n`);
      if (job.status === 'failed')
        throw new Error(`the sync of ${connector.name} failed: ${job.error ?? 'unknown error'}`);
      if (!options.json && !options.quiet) {
        const p = job.progress ?? {};
        process.stdout.write(
          `Synced ${connector.name}: ${p.repositoriesTotal ?? 0} repositories, ${p.tagsDone ?? 0} tags\n`,
        );
      }
    });
}
