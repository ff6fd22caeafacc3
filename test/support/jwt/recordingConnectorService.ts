import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the Bot Connector service a bot replies to (the activity's `serviceUrl`): records every
 * request and answers the way the connector does, so a test proves the adapter could send.
 */
export interface RecordedConnectorRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** A conversation member as the connector returns it (botframework-schema's TeamsChannelAccount). */
export interface TeamsMember {
  id: string;
  name: string;
  aadObjectId: string;
  email?: string;
  userPrincipalName?: string;
  tenantId?: string;
  userRole?: string;
}

export interface RecordingConnectorServiceOptions {
  /** Members by Teams user id (`29:…`), answered to `GET /v3/conversations/{id}/members/{userId}`. */
  members?: Iterable<[string, TeamsMember]>;
  /** Serve over https with this certificate and key (PEM) instead of plain http; the certificate must cover 127.0.0.1. */
  tls?: { cert: string; key: string };
}

export interface RecordingConnectorService {
  /** Put this in the activity's `serviceUrl` (and in the token's `serviceurl` claim). */
  readonly serviceUrl: string;
  readonly requests: RecordedConnectorRequest[];
  /**
   * The roster `TeamsInfo.getMember` reads, for every conversation: add members at any time. An id
   * that is not here gets the same answer as any other request (200 `{ id }`), as before.
   */
  readonly members: Map<string, TeamsMember>;
  close(): Promise<void>;
}

const MEMBER_PATH = /^\/v3\/conversations\/[^/]+\/members\/([^/?]+)$/;

export async function startRecordingConnectorService(options: RecordingConnectorServiceOptions = {}): Promise<RecordingConnectorService> {
  const requests: RecordedConnectorRequest[] = [];
  const members = new Map<string, TeamsMember>(options.members ?? []);
  let sent = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the raw text: a test asserting on it will show what arrived
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body });
      const memberId = req.method === 'GET' ? MEMBER_PATH.exec(req.url ?? '')?.[1] : undefined;
      const member = memberId === undefined ? undefined : members.get(decodeURIComponent(memberId));
      if (member) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(member));
        return;
      }
      sent += 1;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: `sent-${sent}` }));
    });
  };
  const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // A trailing slash, as Teams sends it (https://smba.trafficmanager.net/emea/).
  const serviceUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    serviceUrl,
    requests,
    members,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
