import { BinaryCopyReader } from './binary-copy-reader.js';
import type { ChainVerification } from './hash-chain.js';
import { StoredChainVerifier } from './stored-chain-verifier.js';

/** What `TrailScanVerifier` reads: every record, in the order the table holds them. */
export const TRAIL_SCAN_QUERY = 'SELECT stream_id, seq, prev_hash, hash, event_jcs FROM audit.event';

/** A stream to check, from its genesis or from a record known good (its retention anchor). */
export interface ScannedStream {
  readonly id: string;
  readonly after?: { readonly seq: number; readonly hash: string };
}

/**
 * Verifies every stream from one sequential scan of `audit.event` (`TRAIL_SCAN_QUERY` as a binary
 * COPY), with no index and no sort: each stream has a single writer that appends in seq order, so
 * the table holds each stream's records in seq order, interleaved with other streams', and monthly
 * partitions are scanned oldest first.
 *
 * A valid verdict here is as strong as the ordered check's: it requires each stream's records to
 * arrive consecutive, linked and hashed right from its start to its end, so they are exactly the
 * chain. Anything else (a record out of place, whether tampering or a reorganized table, a broken
 * link, a changed record) only makes the stream invalid here; the caller then checks that stream
 * in seq order, which says exactly where the chain breaks, or that it does not. Rows of a stream
 * not given are skipped, as the ordered check never reads them.
 */
export class TrailScanVerifier {
  private readonly reader = new BinaryCopyReader(5, (buffer, starts, lengths) =>
    this.row(buffer, starts, lengths),
  );
  private readonly byId = new Map<string, StoredChainVerifier>();
  private readonly verifiers: StoredChainVerifier[];
  /** The stream of the last row, and its id's bytes: rows of one stream mostly come in runs. */
  private lastId = Buffer.alloc(0);
  private last: StoredChainVerifier | undefined;
  private rows = 0;

  constructor(streams: readonly ScannedStream[]) {
    this.verifiers = streams.map(({ id, after }) => {
      const verifier = new StoredChainVerifier(id, after);
      this.byId.set(id, verifier);
      return verifier;
    });
  }

  /** The next bytes of the COPY, cut anywhere. */
  push(chunk: Buffer): void {
    this.reader.push(chunk);
  }

  /** Rows read so far, for progress. */
  get rowsRead(): number {
    return this.rows;
  }

  /** After the last chunk: each stream's verdict, in the order given. */
  results(): ChainVerification[] {
    this.reader.finish();
    return this.verifiers.map((verifier) => verifier.verdict());
  }

  private row(buffer: Buffer, starts: Int32Array, lengths: Int32Array): void {
    this.rows += 1;
    const idAt = starts[0];
    const idLength = lengths[0];
    if (idLength !== this.lastId.length || this.lastId.compare(buffer, idAt, idAt + idLength) !== 0) {
      this.lastId = Buffer.from(buffer.subarray(idAt, idAt + idLength));
      this.last = this.byId.get(this.lastId.toString('utf8'));
    }
    this.last?.add(buffer, starts, lengths, 1);
  }
}
