import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  presentedCertificate,
  singleBearerToken,
  TokenVerifier,
  type ClientConnection,
} from '@praesidium/access';
import { ClientKeyDirectory, encryptionKey, type EncryptionKey } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import { JOSE_MEDIA_TYPE } from './jose-request-body.js';

/** How long a looked-up client key is reused: a new registration takes effect within this time. */
const CACHE_MS = 2000;
const CACHE_SIZE = 10_000;

export interface EncryptedResponseCall {
  readonly authorizationFields: readonly string[];
  readonly connection?: ClientConnection;
}

/**
 * Encrypted responses: a caller that sends `Accept: application/jose` gets the answer as a compact
 * JWE (A256GCM; ECDH-ES or RSA-OAEP-256 by its key type) to the key it registered with governance
 * (`POST /client-keys`). Without a registered key the call is refused (406) before anything runs.
 */
@Injectable()
export class ResponseEncryption {
  private readonly cache = new Map<string, { expires: number; key: EncryptionKey | undefined }>();

  constructor(
    private readonly tokens: TokenVerifier,
    private readonly directory: ClientKeyDirectory,
  ) {}

  /**
   * Runs the call, and encrypts its answer when the request asks for it. The recipient is checked
   * before `run`, so the refusal (406) comes before the model runs and, since the pipeline has not
   * marked the request yet, is audited as an edge refusal.
   */
  async answer(request: FastifyRequest, reply: FastifyReply, run: () => Promise<unknown>): Promise<unknown> {
    if (!ResponseEncryption.isRequested(request.headers.accept)) return run();
    const call: EncryptedResponseCall = {
      authorizationFields: request.raw.headersDistinct.authorization ?? [],
      connection: { certificate: presentedCertificate(request.raw.socket) },
    };
    await this.checkRecipient(call);
    const sealed = await this.seal(call, await run());
    void reply.header('content-type', JOSE_MEDIA_TYPE);
    return sealed;
  }

  /** Whether the Accept header asks for an encrypted response (`application/jose`, not with q=0). */
  static isRequested(accept: string | undefined): boolean {
    if (!accept) return false;
    return accept.split(',').some((range) => {
      const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
      return type === JOSE_MEDIA_TYPE && !params.some((param) => /^q=0(\.0*)?$/.test(param));
    });
  }

  /**
   * Refuses early, before the model runs, a verified caller without a registered key. A token that
   * does not verify is left to the pipeline, which refuses it with its own reason code.
   */
  async checkRecipient(call: EncryptedResponseCall): Promise<void> {
    const key = await this.recipient(call).catch((error: unknown) => {
      if (error instanceof ProblemError && /^(token|certificate)\./.test(error.code)) return null;
      throw error;
    });
    if (key === undefined) throw new ProblemError('jwe.recipient_key_missing');
  }

  /** The answer as a compact JWE to the caller's key. */
  async seal(call: EncryptedResponseCall, answer: unknown): Promise<string> {
    const key = await this.recipient(call);
    if (!key) throw new ProblemError('jwe.recipient_key_missing');
    return key.encrypt(Buffer.from(JSON.stringify(answer)), 'application/json');
  }

  private async recipient(call: EncryptedResponseCall): Promise<EncryptionKey | undefined> {
    const principal = await this.tokens.verify(singleBearerToken(call.authorizationFields), call.connection);
    const cacheKey = JSON.stringify([principal.issuer, principal.subject]);
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expires > Date.now()) return cached.key;
    const registered = await this.directory.find(principal);
    const key = registered ? await encryptionKey(registered.jwk) : undefined;
    if (this.cache.size >= CACHE_SIZE) this.cache.clear();
    this.cache.set(cacheKey, { expires: Date.now() + CACHE_MS, key });
    return key;
  }
}
