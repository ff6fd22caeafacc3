import { LOCAL_PLAYGROUND } from '../src/config';

/** The bootstrap admin of local mode, in the provider tenant: every command is allowed. */
export const benchAdmin = {
  aadObjectId: LOCAL_PLAYGROUND.adminObjectIds[0],
  tenantId: LOCAL_PLAYGROUND.tenantIds[0],
} as const;

/**
 * A personal-chat message as Teams sends it to /api/messages. The same body is posted on every
 * request of a run: the benchmark measures the turn, not the parsing of varied input.
 */
export function personalMessage(serviceUrl: string, text: string): Record<string, unknown> {
  return {
    type: 'message',
    id: 'bench-activity',
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: '29:bench-admin', name: 'Bench Admin', aadObjectId: benchAdmin.aadObjectId },
    recipient: { id: '28:tenant-access-bot', name: 'Tenant Access' },
    conversation: { id: 'a:bench-personal-chat', conversationType: 'personal', tenantId: benchAdmin.tenantId },
    channelData: { tenant: { id: benchAdmin.tenantId } },
    locale: 'en-US',
    text,
    textFormat: 'plain',
  };
}

/** What the floor bot's store holds (bench/floorBot.ts): the same tenant the product is seeded with. */
export const FLOOR_TENANT = { domain: 'contoso.onmicrosoft.com', tenantId: '6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60', displayName: 'Contoso', status: 'pending' } as const;
/** The floor bot's reply to `status contoso.onmicrosoft.com`. */
export const FLOOR_REPLY = `${FLOOR_TENANT.displayName} (${FLOOR_TENANT.domain}): ${FLOOR_TENANT.status}`;

/** The domain a `status <domain>` message names (its last word), as the floor bots read it. */
export const domainOf = (text: string | undefined) => (text ?? '').trim().split(/\s+/).pop() ?? '';
