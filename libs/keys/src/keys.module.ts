import { Global, Module, type DynamicModule } from '@nestjs/common';
import { KeyStore } from './key-store.js';
import { Pseudonymizer } from './pseudonymizer.js';

@Global()
@Module({})
export class KeysModule {
  /** Provides an already opened key store, so one process shares one copy across its apps. */
  static forRoot(keyStore: KeyStore): DynamicModule {
    return {
      module: KeysModule,
      providers: [
        { provide: KeyStore, useValue: keyStore },
        { provide: Pseudonymizer, useFactory: () => new Pseudonymizer(keyStore.secret('pseudonym')) },
      ],
      exports: [KeyStore, Pseudonymizer],
    };
  }
}
