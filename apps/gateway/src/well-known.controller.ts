import { Controller, Get } from '@nestjs/common';
import { KeyStore } from '@praesidium/keys';

@Controller()
export class WellKnownController {
  constructor(private readonly keyStore: KeyStore) {}

  /** The keys backends verify gateway assertions with. */
  @Get('.well-known/jwks.json')
  jwks() {
    return this.keyStore.publicJwks('gateway-assertion');
  }
}
