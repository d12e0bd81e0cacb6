import type { Migration } from '../migrate.js';

// An X-Road security server as a peer (issue 17, item 6). `type` says how the peer is spoken
// to: 'vamco' (a platform's gateway, mutual TLS, receipts) or 'xroad' (a security server's r1
// endpoint, this platform calling as one of its information systems). `xroad_client` is the
// client id the security server knows this platform's calls by, in that instance's naming:
// INSTANCE/CLASS/MEMBER/SUBSYSTEM (every call as that subsystem) or INSTANCE/CLASS/MEMBER (each
// local client subsystem's code under that member).
export const m024xroadPeers: Migration = {
  name: '024_xroad_peers',
  async up(db) {
    await db.schema.alterTable('federation_peers').addColumn('type', 'text', (c) => c.notNull().defaultTo('vamco')).execute();
    await db.schema.alterTable('federation_peers').addColumn('xroad_client', 'text').execute();
  },
};
