import { Controller, Get, Inject } from '@nestjs/common';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { KeyStore } from '@praesidium/keys';

/** The built-in demo OIDC issuer's discovery document and keys (demo only; never in production). */
@Controller('demo-issuer')
export class DemoIssuerController {
  constructor(
    private readonly keyStore: KeyStore,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  @Get('jwks.json')
  jwks() {
    return this.keyStore.publicJwks('demo-issuer');
  }

  @Get('.well-known/openid-configuration')
  discovery() {
    const issuer = `${this.config.http.governanceUrl}/demo-issuer`;
    return {
      issuer,
      jwks_uri: `${issuer}/jwks.json`,
      id_token_signing_alg_values_supported: ['ES256'],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
    };
  }
}
