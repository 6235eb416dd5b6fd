// Parses the command line against the table in commands.ts. Node's parseArgs splits the tokens; the checks and
// their messages are ours (`unknown option --epoch (did you mean --epochs?)`), so that every usage error reads the
// same and names the command it is about.
import { parseArgs } from 'util';
import { closest } from '../training/spec/suggest';
import { COMMANDS, GLOBAL_OPTIONS, isCommand, type CommandName, type OptionInfo } from './commands';

export class UsageError extends Error {
  /** The command the error is about, so that its usage (not every command's) can follow the message. */
  constructor(
    message: string,
    readonly command?: CommandName,
  ) {
    super(message);
  }
}

export type ParsedArgs =
  | { kind: 'help'; command?: CommandName }
  | { kind: 'version' }
  | { kind: 'run'; command: CommandName; file: string; values: Record<string, string | boolean>; input?: string };

/** Every option of every command, so that string options consume their value whichever command is named. */
function allOptions(): Record<string, OptionInfo & { short?: string }> {
  const all: Record<string, OptionInfo & { short?: string }> = { ...GLOBAL_OPTIONS };
  for (const info of Object.values(COMMANDS)) Object.assign(all, info.options);
  return all;
}

function unknownOption(rawName: string, name: string, command: CommandName): UsageError {
  const known = [...Object.keys(COMMANDS[command].options), ...Object.keys(GLOBAL_OPTIONS)];
  const guess = rawName.startsWith('--') ? closest(name, known) : undefined;
  const owner = (Object.keys(COMMANDS) as CommandName[]).find((c) => name in COMMANDS[c].options);
  const hint = guess ? ` (did you mean --${guess}?)` : owner ? ` (an option of \`gradscope ${owner}\`)` : '';
  return new UsageError(`${command}: unknown option ${rawName}${hint}`, command);
}

export function parseCommandLine(argv: string[]): ParsedArgs {
  const options = allOptions();
  const { tokens } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: Object.fromEntries(
      Object.entries(options).map(([name, o]) => [name, o.short ? { type: o.type, short: o.short } : { type: o.type }]),
    ),
  });
  const positionals = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const first = positionals[0];
  const command = first !== undefined && isCommand(first) ? first : undefined;

  const has = (name: string): boolean => tokens.some((t) => t.kind === 'option' && t.name === name);
  if (has('help')) return { kind: 'help', command };
  if (has('version')) return { kind: 'version' };
  if (first === undefined) throw new UsageError('missing command');
  if (!command) {
    const guess = closest(first, Object.keys(COMMANDS));
    throw new UsageError(`unknown command "${first}"${guess ? ` (did you mean ${guess}?)` : ''}`);
  }

  const values: Record<string, string | boolean> = {};
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const info = options[t.name];
    // An option of another command (e.g. `check --write`) is unknown here too; the message names its owner.
    if (info === undefined || !(t.name in GLOBAL_OPTIONS || t.name in COMMANDS[command].options))
      throw unknownOption(t.rawName, t.name, command);
    if (info.type === 'string') {
      if (t.value === undefined)
        throw new UsageError(`${command}: option ${t.rawName} needs a value (${t.rawName} ${info.value ?? 'VALUE'})`, command);
      values[t.name] = t.value;
    } else {
      if (t.inlineValue) throw new UsageError(`${command}: option ${t.rawName} takes no value`, command);
      values[t.name] = true;
    }
  }

  const file = positionals[1];
  const runCommand =
    command === 'evaluate' || command === 'predict' || command === 'explain' || command === 'export' || command === 'diagnose';
  if (file === undefined) throw new UsageError(`${command}: missing ${runCommand ? 'run directory' : 'spec file'}`, command);
  // predict takes its input csv as a second argument.
  const extra = command === 'predict' ? 3 : 2;
  if (positionals.length > extra) throw new UsageError(`${command}: unexpected argument "${positionals[extra]}"`, command);
  const input = command === 'predict' ? positionals[2] : undefined;
  return { kind: 'run', command, file, values, ...(input !== undefined ? { input } : {}) };
}
