import type { Agent } from 'node:https';
import { z } from 'zod';
import type { SignedInUserLookup, SignedInUserReader } from '../../usecases/ports';
import { getJson } from '../http/httpsJson';
import { refusedOrBusy, unanswered } from './graphAnswers';

const userBody = z.object({
  id: z.string(),
  userPrincipalName: z.string().nullable().optional(),
  accountEnabled: z.boolean().nullable().optional(),
});

/**
 * `GET /v1.0/me`: the "account" check of a validation. `accountEnabled` is not a default property,
 * so it is selected: an access token issued before the account was disabled still reaches Graph.
 */
export class GraphSignedInUserReader implements SignedInUserReader {
  constructor(private readonly graphBaseUrl: string, private readonly agent?: Agent, private readonly timeoutMs = 10_000) {}

  async me(accessToken: string): Promise<SignedInUserLookup> {
    let response;
    try {
      response = await getJson(`${this.graphBaseUrl}/v1.0/me?$select=id,userPrincipalName,accountEnabled`, this.agent, this.timeoutMs, { authorization: `Bearer ${accessToken}` });
    } catch (error) {
      return unanswered(error);
    }
    if (response.status === 404) return { ok: false, reason: 'not-found' };
    if (response.status !== 200) return refusedOrBusy(response);
    const parsed = userBody.safeParse(response.body);
    if (!parsed.success) return { ok: false, reason: 'unexpected', status: 200 };
    const { id, userPrincipalName, accountEnabled } = parsed.data;
    return { ok: true, user: { id: id.toLowerCase(), ...(userPrincipalName ? { userPrincipalName } : {}), ...(typeof accountEnabled === 'boolean' ? { accountEnabled } : {}) } };
  }
}
