import type { Agent } from 'node:https';
import { z } from 'zod';
import type { OrganizationLookup, OrganizationReader } from '../../usecases/ports';
import { getJson } from '../http/httpsJson';
import { refusedOrBusy, unanswered } from './graphAnswers';

const organizationBody = z.object({
  value: z
    .array(
      z.object({
        id: z.string(),
        displayName: z.string().nullable().optional(),
        verifiedDomains: z.array(z.object({ name: z.string(), isDefault: z.boolean().nullable().optional() })).nullable().optional(),
      }),
    )
    .min(1),
});

/** `GET /v1.0/organization`: the "Validate Authentication" check that the token's tenant is the invited one. */
export class GraphOrganizationReader implements OrganizationReader {
  constructor(private readonly graphBaseUrl: string, private readonly agent?: Agent, private readonly timeoutMs = 10_000) {}

  async read(accessToken: string): Promise<OrganizationLookup> {
    let response;
    try {
      response = await getJson(`${this.graphBaseUrl}/v1.0/organization?$select=id,displayName,verifiedDomains`, this.agent, this.timeoutMs, { authorization: `Bearer ${accessToken}` });
    } catch (error) {
      return unanswered(error);
    }
    if (response.status !== 200) return refusedOrBusy(response);
    const parsed = organizationBody.safeParse(response.body);
    if (!parsed.success) return { ok: false, reason: 'unexpected' };
    const org = parsed.data.value[0];
    const verified = org.verifiedDomains ?? [];
    // The default domain first: it is the one people recognize.
    const domains = [...verified.filter((d) => d.isDefault), ...verified.filter((d) => !d.isDefault)].map((d) => d.name.toLowerCase());
    return { ok: true, organization: { id: org.id.toLowerCase(), displayName: org.displayName?.trim() || domains[0] || org.id, domains } };
  }
}

