// The common front of every authenticated route: key → account, 429 storm, rate limit, 503 share.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountRecord } from '../accounts.js';
import type { SimContext } from '../context.js';
import { ApiError } from '../errors.js';
import { takeRateLimit } from '../limits/rate-limit.js';

export function authenticate(ctx: SimContext, req: FastifyRequest, reply: FastifyReply): AccountRecord {
  const rec = ctx.accounts.authenticate(req.headers);
  const f = ctx.faults.settings;
  if (f.storm429) {
    ctx.stats.faults.storm_429++;
    throw new ApiError(429, 'RATE_LIMIT_EXCEEDED', 'Rate limit exceeded. Retry after 1s.', { 'retry-after': '1' });
  }
  if (ctx.opts.limits) {
    try {
      reply.headers(takeRateLimit(rec, ctx.clock.now()));
    } catch (err) {
      ctx.stats.faults.rate_limited++;
      throw err;
    }
  }
  if (f.serverBusyShare > 0 && ctx.faults.busy()) {
    ctx.stats.faults.server_busy++;
    throw new ApiError(503, 'SERVER_BUSY', 'Server busy; the request was not processed. Retry.', {
      'retry-after': '1',
    });
  }
  return rec;
}
