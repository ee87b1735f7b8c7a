// `polybot sim|ingestor|strategy|executor`: runs one app in the foreground as a child process, forwarding
// signals, so operators (and docker compose) start every part the same way.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AppName, appEntry } from '../paths.js';

export async function runApp(app: AppName, extraEnv: Record<string, string>): Promise<number> {
  const entry = appEntry(app);
  if (!existsSync(entry)) {
    process.stderr.write(`polybot: ${app} is not built (missing ${entry}); run npm run build\n`);
    return 1;
  }
  const child = spawn(process.execPath, [entry], { stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
