// The `polybot` command line: one parser (commander), help with examples on every command, and exit code 2
// with one clear line for unknown flags or bad values.

import {
  ConfigError,
  collectStatus,
  createRedisClient,
  ensurePartitions,
  loadConfig,
  renderStatus,
} from '@polybot/shared';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { registerBacktest } from './backtest/register.js';
import { diffExitCode, renderDiff, runDiff } from './commands/diff.js';
import { setHalt } from './commands/halt.js';
import { runRecord } from './commands/record.js';
import { runReplay } from './commands/replay.js';
import { runApp } from './commands/run-app.js';
import { runUp } from './commands/up.js';
import { parseRangeArg } from './recording/range-arg.js';

export const EXIT_USAGE = 2;

function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}`);
    return n;
  };
}

function speedArg(value: string): number | 'max' {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1_000_000)
    throw new InvalidArgumentError('--speed must be a positive number or max');
  return n;
}

function nsOption() {
  return new Option('--ns <name>', 'namespace of the Redis keys (default: POLYBOT_NS or polybot)');
}

function redisUrlFrom(env: NodeJS.ProcessEnv): string {
  const url = env.REDIS_URL;
  if (!url)
    throw new ConfigError(
      'REDIS_URL',
      'missing REDIS_URL: set it to the Redis the bot uses (e.g. redis://127.0.0.1:6379)',
    );
  return url;
}

export interface ProgramIo {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
  /** Receives the exit code of a command that ran. */
  setExitCode: (code: number) => void;
}

export function createProgram(io: ProgramIo): Command {
  const program = new Command('polybot')
    .description('polybot: an event-sourced trading bot for PolySimulator prediction markets')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ polybot up                      run everything against the embedded simulator
  $ polybot status --watch          follow a running bot
  $ polybot halt --reason "news"    stop new orders at once`,
    );

  program
    .command('up')
    .description('run the whole bot: Redis, venue (or the embedded simulator), ingestor, strategy workers, executor')
    .addOption(
      new Option('-w, --workers <n>', 'strategy worker processes').default(2).argParser(intArg('--workers', 1, 64)),
    )
    .option('--json', 'print child logs as JSON lines instead of pretty, prefixed lines', false)
    .option('--logs', 'show every child log line (default: warnings and errors while the panel is shown)', false)
    .addOption(
      new Option('--duration <seconds>', 'stop by itself after this long (0 = until Ctrl-C)')
        .default(0)
        .argParser(intArg('--duration', 0, 31_536_000)),
    )
    .addOption(
      new Option('--ready-timeout <seconds>', 'how long to wait for every /readyz')
        .default(60)
        .argParser(intArg('--ready-timeout', 1, 3600)),
    )
    .option('--no-build', 'fail instead of building when dist/ is missing')
    .option('--data-dir <dir>', 'data directory of the local redis-server (default .polybot/redis)')
    .option('--no-dashboard', 'do not serve the web dashboard (also DASHBOARD_ENABLED=false)')
    .addOption(
      new Option(
        '--dashboard-port <port>',
        'dashboard port (default DASHBOARD_PORT or 7070; 0 = a free port)',
      ).argParser(intArg('--dashboard-port', 0, 65535)),
    )
    .addHelpText(
      'after',
      `
Uses REDIS_URL, or starts redis-server on a free port with its data under .polybot/ (AOF on).
Uses POLYSIM_BASE_URL and POLYSIM_API_KEY, or starts the embedded simulator.
Serves the dashboard on http://127.0.0.1:7070 (DASHBOARD_HOST, DASHBOARD_PORT; --no-dashboard to skip it).

Examples:
  $ polybot up
  $ polybot up --workers 4 --logs
  $ REDIS_URL=redis://127.0.0.1:6379 POLYSIM_BASE_URL=https://api.polysimulator.com POLYSIM_API_KEY=ps_live_… polybot up`,
    )
    .action(
      async (o: {
        workers: number;
        json: boolean;
        logs: boolean;
        duration: number;
        readyTimeout: number;
        build: boolean;
        dataDir?: string;
        dashboard: boolean;
        dashboardPort?: number;
      }) => {
        // --no-dashboard wins; otherwise DASHBOARD_ENABLED decides.
        const { dashboard, ...rest } = o;
        io.setExitCode(
          await runUp({ ...rest, ...(dashboard ? {} : { dashboard: false }), env: io.env, out: io.out, err: io.err }),
        );
      },
    );

  const appCommand = (name: 'sim' | 'ingestor' | 'strategy' | 'executor', description: string, example: string) =>
    program
      .command(name)
      .description(description)
      .addHelpText('after', `\nConfigured by environment variables (see .env.example).\n\nExamples:\n  ${example}`);

  appCommand('sim', 'run the local PolySimulator (REST + WebSocket)', '$ polybot sim --port 8000 --seed 7')
    .addOption(new Option('--port <port>', 'port (default SIM_PORT or 8000)').argParser(intArg('--port', 0, 65535)))
    .addOption(new Option('--seed <n>', 'seed (default SIM_SEED or 42)').argParser(intArg('--seed', 0, 2 ** 31)))
    .addOption(
      new Option('--markets <n>', 'number of markets (default SIM_MARKETS)').argParser(intArg('--markets', 1, 10_000)),
    )
    .action(async (o: { port?: number; seed?: number; markets?: number }) => {
      const extra: Record<string, string> = {};
      if (o.port !== undefined) extra.SIM_PORT = String(o.port);
      if (o.seed !== undefined) extra.SIM_SEED = String(o.seed);
      if (o.markets !== undefined) extra.SIM_MARKETS = String(o.markets);
      io.setExitCode(await runApp('simulator', extra));
    });
  for (const [name, desc, example] of [
    [
      'ingestor',
      'run the price-feed ingestor',
      '$ REDIS_URL=redis://127.0.0.1:6379 POLYSIM_API_KEY=ps_live_… polybot ingestor',
    ],
    ['strategy', 'run one strategy worker', '$ REDIS_URL=redis://127.0.0.1:6379 STRATEGY=threshold polybot strategy'],
    [
      'executor',
      'run the order executor',
      '$ REDIS_URL=redis://127.0.0.1:6379 POLYSIM_API_KEY=ps_live_… polybot executor',
    ],
  ] as const) {
    appCommand(name, desc, example).action(async () => {
      io.setExitCode(await runApp(name, {}));
    });
  }

  program
    .command('dashboard')
    .description('serve the web dashboard for any Redis and namespace (live markets, orders, portfolio, system, halt)')
    .addOption(nsOption())
    .addOption(new Option('--host <host>', 'bind address (default DASHBOARD_HOST or 127.0.0.1)'))
    .addOption(
      new Option('--port <port>', 'port (default DASHBOARD_PORT or 7070; 0 = a free port)').argParser(
        intArg('--port', 0, 65535),
      ),
    )
    .option('--read-only', 'no control actions (also DASHBOARD_CONTROLS=false)', false)
    .addHelpText(
      'after',
      `
A non-loopback --host requires DASHBOARD_TOKEN; control actions then need the token too.

Examples:
  $ REDIS_URL=redis://127.0.0.1:6379 polybot dashboard
  $ REDIS_URL=redis+cluster://10.0.0.5:7000 POLYBOT_NS=replay-1a2b3c4d polybot dashboard --port 7071 --read-only
  $ DASHBOARD_TOKEN=… polybot dashboard --host 0.0.0.0`,
    )
    .action(async (o: { ns?: string; host?: string; port?: number; readOnly: boolean }) => {
      redisUrlFrom(io.env);
      const extra: Record<string, string> = {};
      if (o.ns !== undefined) extra.POLYBOT_NS = o.ns;
      if (o.host !== undefined) extra.DASHBOARD_HOST = o.host;
      if (o.port !== undefined) extra.DASHBOARD_PORT = String(o.port);
      if (o.readOnly) extra.DASHBOARD_CONTROLS = 'false';
      io.setExitCode(await runApp('dashboard', extra));
    });

  program
    .command('status')
    .description('show feed, streams, leases, queue, orders, latency and P&L from Redis')
    .addOption(nsOption())
    .option('--json', 'print one JSON object', false)
    .option('--watch', 'refresh every second until Ctrl-C', false)
    .addHelpText(
      'after',
      '\nExamples:\n  $ REDIS_URL=redis://127.0.0.1:6379 polybot status\n  $ polybot status --json | jq .orders',
    )
    .action(async (o: { ns?: string; json: boolean; watch: boolean }) => {
      const cfg = loadConfig(io.env);
      const clusterNodes = io.env.REDIS_CLUSTER_NODES;
      const redis = createRedisClient(redisUrlFrom(io.env), 'command', {
        name: 'cli-status',
        ...(clusterNodes ? { clusterNodes } : {}),
      });
      redis.on('error', () => {});
      const ns = o.ns ?? cfg.POLYBOT_NS;
      // --watch: Ctrl-C ends the loop after the current frame, closes Redis and exits 0.
      let stop = false;
      let wake: () => void = () => {};
      const onSignal = () => {
        stop = true;
        wake();
      };
      if (o.watch) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      }
      try {
        await ensurePartitions(redis, ns, cfg.POLYBOT_PARTITIONS, { record: false });
        do {
          const s = await collectStatus({ redis, ns, partitions: cfg.POLYBOT_PARTITIONS });
          io.out.write(o.json ? `${JSON.stringify(s)}\n` : `${renderStatus(s).join('\n')}\n`);
          if (o.watch && !stop)
            await new Promise<void>((r) => {
              const t = setTimeout(r, 1000);
              wake = () => {
                clearTimeout(t);
                r();
              };
            });
        } while (o.watch && !stop);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        redis.disconnect();
      }
    });

  program
    .command('record')
    .description('copy the tick streams of a namespace into a recording (gzip JSON lines)')
    .addOption(nsOption())
    .option('-o, --out <file>', 'output file', 'recording.jsonl.gz')
    .addOption(new Option('--from <id|time>', 'first entry: stream id, epoch ms or ISO time').argParser(parseRangeArg))
    .addOption(new Option('--to <id|time>', 'last entry: stream id, epoch ms or ISO time').argParser(parseRangeArg))
    .option('--follow', 'keep tailing live entries until Ctrl-C', false)
    .addHelpText(
      'after',
      '\nExamples:\n  $ polybot record --out today.jsonl.gz --from 2026-11-24T00:00:00Z\n  $ polybot record --follow --out live.jsonl.gz',
    )
    .action(async (o: { ns?: string; out: string; from?: string; to?: string; follow: boolean }) => {
      const cfg = loadConfig(io.env);
      const stopSignal = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await runRecord({
        redisUrl: redisUrlFrom(io.env),
        ...(io.env.REDIS_CLUSTER_NODES ? { clusterNodes: io.env.REDIS_CLUSTER_NODES } : {}),
        ns: o.ns ?? cfg.POLYBOT_NS,
        partitions: cfg.POLYBOT_PARTITIONS,
        out: o.out,
        ...(o.from !== undefined ? { from: o.from } : {}),
        ...(o.to !== undefined ? { to: o.to } : {}),
        follow: o.follow,
        tty: Boolean(io.out.isTTY),
        write: (l) => io.out.write(`${l}\n`),
        stopSignal,
        producer: 'polybot/0.1.0',
      });
    });

  program
    .command('replay')
    .description('write a recording into the tick streams of its own namespace, at recorded pace scaled by --speed')
    .argument('<file>', 'recording (.jsonl.gz)')
    .addOption(new Option('--speed <n|max>', 'time scale (2 = twice as fast) or max').default(1).argParser(speedArg))
    .option('--ns <name>', 'target namespace (default: a fresh replay-xxxxxxxx)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ polybot replay today.jsonl.gz --speed max\n  $ polybot replay today.jsonl.gz --speed 10 --ns replay1',
    )
    .action(async (file: string, o: { speed: number | 'max'; ns?: string }) => {
      const cfg = loadConfig(io.env);
      if (o.ns !== undefined && !/^[a-z][a-z0-9_-]{0,31}$/.test(o.ns)) {
        throw new InvalidArgumentError('--ns must be lowercase letters, digits, - or _');
      }
      await runReplay({
        redisUrl: redisUrlFrom(io.env),
        ...(io.env.REDIS_CLUSTER_NODES ? { clusterNodes: io.env.REDIS_CLUSTER_NODES } : {}),
        file,
        speed: o.speed,
        ...(o.ns !== undefined ? { ns: o.ns } : {}),
        partitions: cfg.POLYBOT_PARTITIONS,
        streamMaxlen: cfg.STREAM_MAXLEN,
        tty: Boolean(io.out.isTTY),
        write: (l) => io.out.write(`${l}\n`),
      });
    });

  program
    .command('diff')
    .description('compare the intents of two namespaces (a live run and a replay of its recording)')
    .argument('<run-a>', 'namespace')
    .argument('<run-b>', 'namespace')
    .option('--json', 'print the full difference as JSON', false)
    .addHelpText(
      'after',
      "\nExits 0 when both runs decided the same, 1 when they differ, 2 when they differ and a side's intents stream was trimmed (INTENTS_MAXLEN): the difference may be intents it no longer holds.\n\nExamples:\n  $ polybot diff polybot replay-1a2b3c4d",
    )
    .action(async (a: string, b: string, o: { json: boolean }) => {
      const d = await runDiff(redisUrlFrom(io.env), a, b, io.env.REDIS_CLUSTER_NODES);
      io.out.write(o.json ? `${JSON.stringify(d)}\n` : `${renderDiff(a, b, d).join('\n')}\n`);
      io.setExitCode(diffExitCode(d));
    });

  registerBacktest(program, io);

  program
    .command('halt')
    .description('set the halt switch: the risk gate blocks every new intent until resume')
    .addOption(nsOption())
    .option('--reason <text>', 'why (kept with the switch)', 'manual halt')
    .addHelpText('after', '\nExamples:\n  $ polybot halt --reason "market news"')
    .action(async (o: { ns?: string; reason: string }) => {
      const ns = o.ns ?? loadConfig(io.env).POLYBOT_NS;
      await setHalt(redisUrlFrom(io.env), ns, true, o.reason);
      io.out.write(`halted ${ns}: new intents are blocked\n`);
    });

  program
    .command('resume')
    .description('clear the halt switch')
    .addOption(nsOption())
    .addHelpText('after', '\nExamples:\n  $ polybot resume')
    .action(async (o: { ns?: string }) => {
      const ns = o.ns ?? loadConfig(io.env).POLYBOT_NS;
      const was = await setHalt(redisUrlFrom(io.env), ns, false, '');
      io.out.write(was ? `resumed ${ns}\n` : `${ns} was not halted\n`);
    });

  return program;
}

/** Parses argv and runs; returns the process exit code (2 for usage errors). */
export async function runCli(argv: readonly string[], io: ProgramIo): Promise<number> {
  let code = 0;
  const program = createProgram({ ...io, setExitCode: (c) => (code = c) });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    // Thrown from an action (parse-time errors arrive as plain CommanderErrors, already printed).
    if (err instanceof InvalidArgumentError) {
      io.err.write(`polybot: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      io.err.write(`polybot: ${err.message}\n`);
      return EXIT_USAGE;
    }
    io.err.write(`polybot: ${(err as Error).message}\n`);
    return 1;
  }
}
