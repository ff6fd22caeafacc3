import type { Invitation } from '../../domain/invitation';
import type { SealedSecret } from '../../domain/sealedSecret';
import type { Sealer } from '../ports';
import { reviewLink } from '../invitations/customerLinks';

// Each secret is sealed to its invitation: a sealed code copied onto another invitation does not open.
export const userCodeAad = (invitationId: string) => `userCode:${invitationId}`;
export const reviewTokenAad = (invitationId: string) => `reviewToken:${invitationId}`;

/** The secrets an invitation keeps sealed: the device code the page shows, the reviewer's token. */
export interface SealedSecrets {
  userCodeOf(inv: Invitation): Promise<string | undefined>;
  reviewTokenOf(inv: Invitation): Promise<string | undefined>;
  reviewLinkOf(inv: Invitation): Promise<string | undefined>;
}

export function sealedSecrets(box: Sealer, publicBaseUrl: string): SealedSecrets {
  // A secret that does not open (a rotated key, a damaged document) is as good as absent: the page offers a new one.
  const open = async (sealed: SealedSecret | undefined, aad: string) => {
    if (!sealed) return undefined;
    try {
      return await box.openString(sealed, aad);
    } catch {
      return undefined;
    }
  };
  return {
    userCodeOf: (inv) => open(inv.flow?.userCode, userCodeAad(inv.id)),
    reviewTokenOf: (inv) => open(inv.consent?.reviewToken, reviewTokenAad(inv.id)),
    async reviewLinkOf(inv) {
      const token = await open(inv.consent?.reviewToken, reviewTokenAad(inv.id));
      return token === undefined ? undefined : reviewLink(publicBaseUrl, token);
    },
  };
}
