#!/usr/bin/env node
// The polybot CLI entry point.
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  out: process.stdout,
  err: process.stderr,
  setExitCode: () => {},
});
process.exitCode = code;
