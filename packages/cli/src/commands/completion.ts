import { Argument, Command } from 'commander';
import { helpText } from './command-kit.js';

interface Node {
  /** `connectors add` */
  readonly path: string;
  readonly commands: readonly { name: string; description: string }[];
  readonly options: readonly { flag: string; description: string }[];
  /** Choices of positional arguments (`completion bash|zsh`). */
  readonly argumentChoices: readonly string[];
  /** A `<connector>` argument: completed with the names the server knows, asked at completion time. */
  readonly connectorArgument: boolean;
}

/** Every command of the tree with what may follow it. */
function walk(command: Command, path: string, out: Node[] = []): Node[] {
  const visible = command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  out.push({
    path,
    commands: visible.map((c) => ({ name: c.name(), description: c.description() })),
    options: [
      ...command.options.flatMap((o) =>
        [o.long, o.short]
          .filter((f): f is string => !!f)
          .map((flag) => ({ flag, description: o.description })),
      ),
      { flag: '--help', description: 'show help' },
    ],
    argumentChoices: command.registeredArguments.flatMap((a: Argument) => a.argChoices ?? []),
    connectorArgument: command.registeredArguments.some((a: Argument) => a.name() === 'connector'),
  });
  for (const sub of visible) walk(sub, path ? `${path} ${sub.name()}` : sub.name(), out);
  return out;
}

/** Option values worth completing, whatever the command (`--format`, `--sbom`). */
function optionChoices(root: Command): Map<string, readonly string[]> {
  const choices = new Map<string, readonly string[]>();
  const visit = (command: Command): void => {
    for (const o of command.options) if (o.long && o.argChoices) choices.set(o.long, o.argChoices);
    command.commands.forEach(visit);
  };
  visit(root);
  return choices;
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** A bash completion function for `root` (`source <(berth completion bash)`). */
export function bashCompletion(root: Command): string {
  const nodes = walk(root, '');
  const name = root.name();
  const paths = nodes.filter((n) => n.path !== '').map((n) => `" ${n.path}"`);
  const cases = nodes
    .map((n) => {
      const words = [...n.commands.map((c) => c.name), ...n.argumentChoices, ...n.options.map((o) => o.flag)];
      const dynamic = n.connectorArgument ? ' dynamic=connectors' : '';
      return `    "${n.path ? ` ${n.path}` : ''}") words=${quote(words.join(' '))}${dynamic} ;;`;
    })
    .join('\n');
  const values = [...optionChoices(root)]
    .map(([flag, c]) => `    ${flag}) COMPREPLY=($(compgen -W ${quote(c.join(' '))} -- "$cur")); return ;;`)
    .join('\n');
  return `# bash completion for ${name}; add to ~/.bashrc:  source <(${name} completion bash)
_${name}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath="" words="" dynamic="" i w
  case "$prev" in
${values}
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case "$cmdpath $w" in
      ${paths.join('|')}) cmdpath="$cmdpath $w" ;;
    esac
  done
  case "$cmdpath" in
${cases}
  esac
  if [[ $dynamic == connectors && $cur != -* ]]; then
    # Connector names from the server (they may hold spaces): one per line, typed escapes undone.
    local IFS=$'\\n' n typed=\${cur#[\\"\\']}
    typed=\${typed//\\\\/}
    COMPREPLY=()
    for n in $(compgen -W "$(${name} connectors list --names 2>/dev/null)" -- "$typed"); do
      COMPREPLY+=("$(printf '%q' "$n")")
    done
    return
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _${name} ${name}
`;
}

/** A zsh completion function for `root` (`source <(berth completion zsh)`, after compinit). */
export function zshCompletion(root: Command): string {
  const nodes = walk(root, '');
  const name = root.name();
  const paths = nodes.filter((n) => n.path !== '').map((n) => `" ${n.path}"`);
  const entry = (word: string, description: string): string =>
    quote(`${word.replace(/:/g, '\\:')}:${description.replace(/\n/g, ' ')}`);
  const cases = nodes
    .map((n) => {
      const items = [
        ...n.commands.map((c) => entry(c.name, c.description)),
        ...n.argumentChoices.map((c) => entry(c, c)),
        ...n.options.map((o) => entry(o.flag, o.description)),
      ];
      const dynamic = n.connectorArgument ? ' dynamic=connectors' : '';
      return `    "${n.path ? ` ${n.path}` : ''}") items=(${items.join(' ')})${dynamic} ;;`;
    })
    .join('\n');
  const values = [...optionChoices(root)]
    .map(([flag, c]) => `    ${flag}) compadd -- ${c.map(quote).join(' ')}; return ;;`)
    .join('\n');
  return `#compdef ${name}
# zsh completion for ${name}; add to ~/.zshrc after compinit:  source <(${name} completion zsh)
_${name}() {
  local cmdpath="" dynamic="" w i
  local -a items
  case "\${words[CURRENT-1]}" in
${values}
  esac
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    [[ "$w" == -* ]] && continue
    case "$cmdpath $w" in
      ${paths.join('|')}) cmdpath="$cmdpath $w" ;;
    esac
  done
  case "$cmdpath" in
${cases}
  esac
  _describe -t commands '${name}' items
  # Connector names from the server, one per line (compadd quotes spaces itself).
  [[ $dynamic == connectors ]] && compadd -- "\${(@f)$(${name} connectors list --names 2>/dev/null)}"
}
compdef _${name} ${name}
`;
}

/** `berth completion bash|zsh`: prints a completion script for the whole command tree. */
export function completionCommand(): Command {
  return new Command('completion')
    .description('Print a shell completion script (bash or zsh).')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      helpText(
        [
          'source <(berth completion bash)        # in ~/.bashrc',
          'source <(berth completion zsh)         # in ~/.zshrc, after compinit',
        ],
        'Exit codes: 0 done, 2 usage.',
      ),
    )
    .action(function (this: Command, shell: 'bash' | 'zsh') {
      let root: Command | null = this.parent;
      while (root?.parent) root = root.parent;
      if (!root) return;
      process.stdout.write(shell === 'bash' ? bashCompletion(root) : zshCompletion(root));
    });
}
