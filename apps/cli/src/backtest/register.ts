// Registers `polybot backtest` on the commander program: flags parsed and checked at the edge, one clear
// line for a bad value (InvalidArgumentError → exit 2), everything else handed to backtestCommand.

import { isDecimalString } from '@polybot/shared';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { backtestCommand } from './command.js';
import type { FillModel, FillOn } from './options.js';

/** The parts of the program's io that the command uses (ProgramIo satisfies it). */
export interface BacktestIo {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  setExitCode: (code: number) => void;
}

function bpsArg(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 10_000) {
    throw new InvalidArgumentError('--slippage-bps must be a whole number from 0 to 10000');
  }
  return Number(value);
}

function usdArg(value: string): string {
  if (!isDecimalString(value) || value.startsWith('-') || !/^\d+(\.\d{1,6})?$/.test(value)) {
    throw new InvalidArgumentError('--cash must be a plain decimal amount in USD, such as 10000 or 250.50');
  }
  return value;
}

function categoryArg(value: string): string {
  if (!/^[a-z][a-z0-9_-]{0,63}$/.test(value)) throw new InvalidArgumentError('--category must be a category name');
  return value;
}

export function registerBacktest(program: Command, io: BacktestIo): Command {
  return program
    .command('backtest')
    .description('run a strategy over a recording in this process (no Redis) and write a report')
    .argument('[file]', 'recording (.jsonl.gz); default: the sample shipped with polybot')
    .option('-s, --strategy <name>', 'strategy (default: STRATEGY, else threshold)')
    .option('-p, --params <json>', 'strategy parameters as JSON (default: STRATEGY_PARAMS)')
    .option('-o, --out <dir>', 'directory for report.json and report.html', 'backtest-out')
    .addOption(
      new Option('--fill <model>', 'book: walk the simulator book at the touch; touch: unlimited depth at the touch')
        .choices(['book', 'touch'])
        .default('book'),
    )
    .addOption(
      new Option('--fill-on <when>', "prices an order fills on: the deciding tick, or the market's next tick")
        .choices(['tick', 'next'])
        .default('tick'),
    )
    .addOption(
      new Option('--slippage-bps <n>', 'worst price = tick price ± n bps (default: EXECUTOR_SLIPPAGE_BPS)').argParser(
        bpsArg,
      ),
    )
    .addOption(new Option('--cash <usd>', 'starting cash in USD').default('10000').argParser(usdArg))
    .addOption(
      new Option('--category <name>', 'fee category of markets the recording does not describe')
        .default('other')
        .argParser(categoryArg),
    )
    .addHelpText(
      'after',
      `
Uses the workers' strategy, market runner and risk rules (RISK_* from the environment) and the simulator's
fill and fee model. The same file and flags always give a byte-identical report.json.

Examples:
  $ polybot backtest
  $ polybot backtest today.jsonl.gz --strategy zscore --params '{"window":50}' --out runs/z50
  $ polybot backtest today.jsonl.gz --fill-on next --slippage-bps 100`,
    )
    .action(
      async (
        file: string | undefined,
        o: {
          strategy?: string;
          params?: string;
          out: string;
          fill: FillModel;
          fillOn: FillOn;
          slippageBps?: number;
          cash: string;
          category: string;
        },
      ) => {
        await backtestCommand({
          ...(file !== undefined ? { file } : {}),
          ...(o.strategy !== undefined ? { strategy: o.strategy } : {}),
          ...(o.params !== undefined ? { params: o.params } : {}),
          ...(o.slippageBps !== undefined ? { slippageBps: o.slippageBps } : {}),
          out: o.out,
          fill: o.fill,
          fillOn: o.fillOn,
          cash: o.cash,
          category: o.category,
          env: io.env,
          tty: Boolean(io.out.isTTY),
          write: (l) => io.out.write(`${l}\n`),
        });
        io.setExitCode(0);
      },
    );
}
