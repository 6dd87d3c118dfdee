/**
 * Just enough of the PostgreSQL wire protocol (protocol 3.0, "Message Flow" and "Message Formats" in the manual) for
 * the fault proxy to find a COMMIT and the server's answer to it. Each direction of a connection is cut into whole
 * messages; a message is either forwarded or dropped as a unit. Nothing is decoded beyond the message type, the SQL
 * of a Query or Parse, the names in Bind and Execute, and the tag of CommandComplete.
 */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

const COMMIT_SQL = /^\s*(commit|end)(\s+(work|transaction))?\s*;?\s*$/i;

/** Whether this SQL ends a transaction by committing it (`COMMIT`, `END`, `COMMIT WORK` …). */
export function isCommitSql(sql: string): boolean {
  return COMMIT_SQL.test(sql);
}

/** One whole message: its type byte (0 for the untyped startup family) and its bytes, header included. */
export interface WireMessage {
  type: number;
  bytes: Buffer;
}

const cString = (body: Buffer, at: number): { text: string; next: number } => {
  const end = body.indexOf(0, at);
  const stop = end < 0 ? body.length : end;
  return { text: body.toString('utf8', at, stop), next: stop + 1 };
};

/** Cuts a byte stream into messages across chunk boundaries. */
class MessageSplitter {
  private pending = Buffer.alloc(0);
  /** The next message has no type byte (the client's startup family) or is one byte long (an SSL answer). */
  untypedNext: boolean;
  singleByteNext = false;

  constructor(untypedFirst: boolean) {
    this.untypedNext = untypedFirst;
  }

  split(chunk: Buffer): WireMessage[] {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const messages: WireMessage[] = [];
    for (;;) {
      if (this.singleByteNext) {
        if (data.length < 1) break;
        this.singleByteNext = false;
        messages.push({ type: 0, bytes: data.subarray(0, 1) });
        data = data.subarray(1);
        continue;
      }
      const header = this.untypedNext ? 4 : 5;
      if (data.length < header) break;
      const length = data.readInt32BE(header - 4) + header - 4;
      if (data.length < length) break;
      messages.push({ type: this.untypedNext ? 0 : data[0]!, bytes: data.subarray(0, length) });
      data = data.subarray(length);
      if (this.untypedNext) this.untypedNext = isUntypedRequest(messages.at(-1)!.bytes);
    }
    this.pending = Buffer.from(data);
    return messages;
  }
}

/** An SSLRequest or GSSENCRequest: the server answers one byte and the client sends another untyped message. */
function isUntypedRequest(bytes: Buffer): boolean {
  if (bytes.length !== 8) return false;
  const code = bytes.readInt32BE(4);
  return code === SSL_REQUEST || code === GSSENC_REQUEST;
}

/** What ends a transaction at a sync point: an explicit COMMIT, or a statement run outside any transaction. */
export type CommitKind = 'commit' | 'statement';

/**
 * What the client sends: counts the messages the server answers with ReadyForQuery (Query, Sync, FunctionCall), and
 * says which of them completes a commit: a COMMIT (a simple Query, or a Sync after an Execute of a portal bound to a
 * COMMIT), or a statement `cuttable` accepts sent while the session was idle (not in a transaction), which commits
 * by itself at that sync point.
 */
export class FrontendWatcher {
  private readonly splitter = new MessageSplitter(true);
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, string>();
  private executed: CommitKind | null = null;
  /** Messages answered by ReadyForQuery so far. */
  syncPoints = 0;
  /** The client asked for TLS or GSS encryption: the backend's next message is one byte. */
  onEncryptionRequest: () => void = () => undefined;

  constructor(
    private readonly cuttable: (sql: string) => boolean,
    /** Whether the session is outside a transaction (the last ReadyForQuery said idle). */
    private readonly idle: () => boolean,
  ) {}

  /** The messages of this chunk, each with the kind of commit it completes, if it is such a sync point. */
  read(chunk: Buffer): { message: WireMessage; completes: CommitKind | null }[] {
    return this.splitter.split(chunk).map((message) => ({ message, completes: this.observe(message) }));
  }

  private kind(sql: string): CommitKind | null {
    if (isCommitSql(sql)) return 'commit';
    return this.idle() && this.cuttable(sql) ? 'statement' : null;
  }

  private observe({ type, bytes }: WireMessage): CommitKind | null {
    if (type === 0) {
      if (isUntypedRequest(bytes)) this.onEncryptionRequest();
      return null;
    }
    const body = bytes.subarray(5);
    switch (String.fromCharCode(type)) {
      case 'Q':
        this.syncPoints += 1;
        return this.kind(cString(body, 0).text);
      case 'P': {
        const name = cString(body, 0);
        this.statements.set(name.text, cString(body, name.next).text);
        return null;
      }
      case 'B': {
        const portal = cString(body, 0);
        this.portals.set(portal.text, this.statements.get(cString(body, portal.next).text) ?? '');
        return null;
      }
      case 'E':
        this.executed ??= this.kind(this.portals.get(cString(body, 0).text) ?? '');
        return null;
      case 'S': {
        this.syncPoints += 1;
        const completes = this.executed;
        this.executed = null;
        return completes;
      }
      case 'F':
        this.syncPoints += 1;
        return null;
      default:
        return null;
    }
  }
}

/** What the server sends: counts ReadyForQuery after the startup's, and reads CommandComplete tags. */
export class BackendWatcher {
  private readonly splitter = new MessageSplitter(false);
  private startupDone = false;
  /** ReadyForQuery messages after the one that ends the startup. */
  readyCount = 0;
  /** The transaction status of the last ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' in a failed one. */
  status = 'I';

  /** The next message is the one-byte answer to an encryption request. */
  expectSingleByte(): void {
    this.splitter.singleByteNext = true;
  }

  /**
   * The messages of this chunk with, for each, how many ReadyForQuery came before it, the count it ends (if it is
   * one), its CommandComplete tag, whether it is an ErrorResponse, and whether it says the rest is encrypted.
   */
  read(chunk: Buffer): { message: WireMessage; readyBefore: number; readyIndex: number | null; tag: string | null; error: boolean; encrypted: boolean }[] {
    return this.splitter.split(chunk).map((message) => {
      const kind = String.fromCharCode(message.type);
      const readyBefore = this.readyCount;
      let readyIndex: number | null = null;
      if (kind === 'Z') {
        this.status = String.fromCharCode(message.bytes[5] ?? 73);
        if (this.startupDone) readyIndex = this.readyCount += 1;
        this.startupDone = true;
      }
      const tag = kind === 'C' ? cString(message.bytes.subarray(5), 0).text : null;
      // An 'S' or 'G' answer to an encryption request: what follows is TLS or GSS, which this cannot read.
      const encrypted = message.type === 0 && message.bytes.length === 1 && message.bytes[0] !== 'N'.charCodeAt(0);
      return { message, readyBefore, readyIndex, tag, error: kind === 'E', encrypted };
    });
  }
}
