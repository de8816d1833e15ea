import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError } from '../harness/errors.ts';

/** What a script's `main` talks to; tests pass their own to capture output and set the environment. */
export interface MainIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The clock (tests inject one); the wall clock when absent. */
  now?: () => Date;
}

export const processIo: MainIo = {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
type Flags<O extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: O }>>['values'];

/**
 * A script's flags, strict and without positionals. `exitCode` is set when the run ends here:
 * 0 after printing the usage for --help, 2 after naming the bad flag above the usage.
 */
export function parseFlags<O extends FlagOptions>(command: string, argv: string[], options: O, usage: string, io: MainIo): { flags: Flags<O> } | { exitCode: number } {
  let flags: Flags<O>;
  try {
    flags = parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values as Flags<O>;
  } catch (error) {
    io.stderr(`${command}: ${describeError(error)}\n\n${usage}\n`);
    return { exitCode: 2 };
  }
  if ((flags as { help?: boolean }).help) {
    io.stdout(`${usage}\n`);
    return { exitCode: 0 };
  }
  return { flags };
}
