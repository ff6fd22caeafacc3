import type { Sealer } from '../../usecases/ports';
import type { SecretBox } from './secretBox';

/** The local keyring's secret box behind the (asynchronous) Sealer port. */
export function sealerOf(box: SecretBox): Sealer {
  return {
    seal: async (plaintext, aad) => box.seal(plaintext, aad),
    openString: async (sealed, aad) => box.openString(sealed, aad),
  };
}
