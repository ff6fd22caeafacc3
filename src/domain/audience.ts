/**
 * Who hears about an invitation's steps, said without a channel's addressing: a staff member (the
 * channel adapter finds their own chat with the bot), or a place the adapter named itself (a Teams
 * channel today, an email list later), kept as an opaque address.
 */
export type Audience =
  | { readonly kind: 'staff-member'; readonly aadObjectId: string }
  | { readonly kind: 'place'; readonly address: string };
