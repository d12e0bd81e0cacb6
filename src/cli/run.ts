// The `vamco` command line, loaded by main.ts once the compile cache is on (the command tree is in program.ts).
import { VamcoError } from '../core/errors.js';
import { EdocError } from '../edoc/index.js';
import { buildProgram } from './program.js';

const program = buildProgram();
program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof VamcoError || e instanceof EdocError) process.stderr.write(`error: ${e.message} (${e.code})\n`);
  else process.stderr.write(`error: ${(e as Error)?.message ?? e}\n`);
  process.exit(2);
});
