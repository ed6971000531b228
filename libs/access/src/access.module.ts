import { Global, Module } from '@nestjs/common';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { jwksSourceFor } from './jwks-source.js';
import { ActiveSuspensions } from './suspension/active-suspensions.js';
import { SuspensionModule } from './suspension/suspension.module.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * The trusted issuers' token verifier, shared by every controller of an app: every caller it lets
 * through has passed the suspension list too, so no surface (gateway, governance API, console) can
 * forget to refuse a suspended person.
 */
@Global()
@Module({
  imports: [SuspensionModule],
  providers: [
    {
      provide: TokenVerifier,
      inject: [CONFIG, ActiveSuspensions],
      useFactory: (config: PraesidiumConfig, suspensions: ActiveSuspensions) =>
        new TokenVerifier(
          config.auth.issuers.map((issuer) => ({ policy: issuer, keys: jwksSourceFor(issuer) })),
          { mtls: config.gateway.tls?.mtls ?? 'off', admit: (principal) => suspensions.admit(principal) },
        ),
    },
  ],
  exports: [TokenVerifier, SuspensionModule],
})
export class AccessModule {}
