import { describe, expect, it } from 'vitest';
import { clusterNodeUnsettled } from './start-topologies.js';

const nodes = (flags: string[]) =>
  `${flags.map((f, i) => `id${i} 127.0.0.1:700${i}@1700${i} ${f} - 0 0 ${i} connected`).join('\n')}\n`;
const settledNodes = nodes(['myself,master', 'master', 'master', 'slave', 'slave', 'slave']);
const masterRepl = 'role:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=7003,state=online,offset=1,lag=0\r\n';
const replicaRepl = 'role:slave\r\nmaster_link_status:up\r\nmaster_sync_in_progress:0\r\n';

describe('clusterNodeUnsettled', () => {
  it('accepts a node that sees every node, every replica online and in sync', () => {
    expect(clusterNodeUnsettled({ nodes: settledNodes, replication: masterRepl }, 6, 1)).toBeUndefined();
    expect(clusterNodeUnsettled({ nodes: settledNodes, replication: replicaRepl }, 6, 1)).toBeUndefined();
    expect(
      clusterNodeUnsettled(
        { nodes: nodes(['myself,master', 'master', 'master']), replication: 'role:master\r\nconnected_slaves:0\r\n' },
        3,
        0,
      ),
    ).toBeUndefined();
  });

  it('waits while a replica is still syncing, its link is down, or the master lists it as not online', () => {
    expect(
      clusterNodeUnsettled(
        { nodes: settledNodes, replication: 'role:slave\r\nmaster_link_status:up\r\nmaster_sync_in_progress:1\r\n' },
        6,
        1,
      ),
    ).toMatch(/syncing/);
    expect(
      clusterNodeUnsettled(
        { nodes: settledNodes, replication: 'role:slave\r\nmaster_link_status:down\r\nmaster_sync_in_progress:0\r\n' },
        6,
        1,
      ),
    ).toMatch(/link down/);
    expect(
      clusterNodeUnsettled(
        { nodes: settledNodes, replication: masterRepl.replace('state=online', 'state=wait_bgsave') },
        6,
        1,
      ),
    ).toMatch(/0 of 1 replicas online/);
  });

  it('waits while the node does not yet see the whole cluster, or sees a node failing', () => {
    expect(
      clusterNodeUnsettled(
        { nodes: nodes(['myself,master', 'master', 'master', 'slave']), replication: masterRepl },
        6,
        1,
      ),
    ).toMatch(/knows 4 of 6/);
    expect(
      clusterNodeUnsettled(
        { nodes: nodes(['myself,master', 'master', 'master', 'slave', 'slave', 'master']), replication: masterRepl },
        6,
        1,
      ),
    ).toMatch(/sees 2 replicas/);
    expect(
      clusterNodeUnsettled(
        {
          nodes: nodes(['myself,master', 'master,fail?', 'master', 'slave', 'slave', 'slave']),
          replication: masterRepl,
        },
        6,
        1,
      ),
    ).toMatch(/failing/);
  });
});
