import { Global, Module } from '@nestjs/common';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { jwksSourceFor } from './jwks-source.js';
import { TokenVerifier } from './token-verifier.js';

/** The trusted issuers' token verifier, shared by every controller of an app. */
@Global()
@Module({
  providers: [
    {
      provide: TokenVerifier,
      inject: [CONFIG],
      useFactory: (config: PraesidiumConfig) =>
        new TokenVerifier(
          config.auth.issuers.map((issuer) => ({ policy: issuer, keys: jwksSourceFor(issuer) })),
          { mtls: config.gateway.tls?.mtls ?? 'off' },
        ),
    },
  ],
  exports: [TokenVerifier],
})
export class AccessModule {}
