import { Controller, Get } from '@nestjs/common';
import { DecryptionKeyRing, KeyStore } from '@praesidium/keys';

@Controller()
export class WellKnownController {
  constructor(
    private readonly keyStore: KeyStore,
    private readonly encryption: DecryptionKeyRing,
  ) {}

  /**
   * The keys backends verify gateway assertions with (`use: sig`), then the keys clients encrypt
   * requests to (`use: enc`, current first; superseded ones until their grace period ends).
   */
  @Get('.well-known/jwks.json')
  async jwks() {
    const [signing, encryption] = await Promise.all([
      this.keyStore.publicJwks('gateway-assertion'),
      this.encryption.publicJwks(),
    ]);
    return { keys: [...signing.keys, ...encryption.keys] };
  }
}
