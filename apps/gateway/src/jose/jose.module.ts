import { Module } from '@nestjs/common';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ClientKeysModule, DecryptionKeyRing, KeyStore } from '@praesidium/keys';
import { ResponseEncryption } from './response-encryption.js';

/** JWE at the gateway's edge: decrypting `application/jose` requests, encrypting responses on request. */
@Module({
  imports: [ClientKeysModule],
  providers: [
    {
      provide: DecryptionKeyRing,
      inject: [CONFIG, KeyStore],
      useFactory: (config: PraesidiumConfig, keyStore: KeyStore) =>
        new DecryptionKeyRing(config.dataDir, keyStore, 'gateway-encryption'),
    },
    ResponseEncryption,
  ],
  exports: [DecryptionKeyRing, ResponseEncryption],
})
export class JoseModule {}
