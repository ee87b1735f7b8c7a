// The local simulator (apps/simulator) as a test peer. Loaded by a computed specifier and typed here with
// only what the executor's tests use, so this app's typecheck never compiles another app's sources.

/** The part of @polybot/simulator these tests use (typed here, so this app's typecheck does not compile it). */
export interface Simulator {
  readonly baseUrl: string;
  readonly devApiKey: string;
  readonly faults: { set(patch: Record<string, unknown>): unknown };
  ledger(): { client_order_id: string | null }[];
  close(): Promise<void>;
}
export type CreateSimulator = (opts: { seed?: number; markets?: number; tickMs?: number }) => Promise<Simulator>;

export async function createSimulator(opts: Parameters<CreateSimulator>[0]): Promise<Simulator> {
  const specifier: string = '@polybot/simulator';
  const mod = (await import(specifier)) as { createSimulator: CreateSimulator };
  return mod.createSimulator(opts);
}
