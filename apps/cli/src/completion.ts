import type { Command } from 'commander';

/** Each command path (`conduit connector test`) with the words that may follow it: subcommands, choices, options. */
export function completionTable(program: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const globals = program.options.map((o) => o.long).filter((l): l is string => Boolean(l) && l !== '--version');
  const walk = (command: Command, path: string) => {
    const words = [
      ...command.commands.map((c) => c.name()),
      ...(command.registeredArguments[0]?.argChoices ?? []),
      ...command.options.map((o) => o.long).filter((l): l is string => Boolean(l)),
      ...(command === program ? [] : globals),
      '--help',
    ];
    table.set(path, [...new Set(words)]);
    for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`);
  };
  walk(program, program.name());
  return table;
}

const shellWords = (words: string[]) => words.join(' ');

/** A bash completion script (`source <(conduit completion bash)`), generated from the command tree. */
export function bashCompletion(program: Command): string {
  const table = completionTable(program);
  const name = program.name();
  const cases = [...table].map(([path, words]) => `    "${path}") words="${shellWords(words)}" ;;`).join('\n');
  const paths = [...table.keys()].map((p) => `"${p}"`).join(' ');
  return `# bash completion for ${name}; load with: source <(${name} completion bash)
_${name}_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="${name}" candidate w i words=""
  local -a known=(${paths})
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    candidate="$path $w"
    for p in "\${known[@]}"; do [[ "$p" == "$candidate" ]] && path="$candidate" && break; done
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _${name}_complete ${name}
`;
}

/** A zsh completion script (`source <(conduit completion zsh)` or saved as _conduit on $fpath). */
export function zshCompletion(program: Command): string {
  const table = completionTable(program);
  const name = program.name();
  const cases = [...table].map(([path, words]) => `    "${path}") candidates=(${shellWords(words)}) ;;`).join('\n');
  const paths = [...table.keys()].map((p) => `"${p}"`).join(' ');
  return `#compdef ${name}
# zsh completion for ${name}; load with: source <(${name} completion zsh)
_${name}() {
  local path_="${name}" w candidate
  local -a known candidates
  known=(${paths})
  for w in "\${(@)words[2,CURRENT-1]}"; do
    [[ "$w" == -* ]] && continue
    candidate="$path_ $w"
    (( \${known[(Ie)$candidate]} )) && path_="$candidate"
  done
  case "$path_" in
${cases}
  esac
  compadd -- "\${candidates[@]}"
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _${name} "$@"; else compdef _${name} ${name}; fi
`;
}
