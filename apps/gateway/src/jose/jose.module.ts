import { Module } from '@nestjs/common';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { BackendKeysModule, ClientKeysModule, DecryptionKeyRing, KeyStore } from '@praesidium/keys';
import { BackendEncryption } from '../backend/backend-encryption.js';
import { ResponseEncryption } from './response-encryption.js';

/**
 * JWE at the gateway: decrypting `application/jose` requests, encrypting responses on request, and
 * encrypting forwarded bodies to backends that registered a key.
 */
@Module({
  imports: [ClientKeysModule, BackendKeysModule],
  providers: [
    {
      provide: DecryptionKeyRing,
      inject: [CONFIG, KeyStore],
      useFactory: (config: PraesidiumConfig, keyStore: KeyStore) =>
        new DecryptionKeyRing(config.dataDir, keyStore, 'gateway-encryption'),
    },
    ResponseEncryption,
    BackendEncryption,
  ],
  exports: [DecryptionKeyRing, ResponseEncryption, BackendEncryption],
})
export class JoseModule {}
