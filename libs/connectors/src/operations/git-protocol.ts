// Git's pkt-line framing and the ref advertisement of `git-upload-pack` (protocol v0/v1), as served over
// smart HTTP (`GET …/info/refs?service=git-upload-pack`) and over SSH (`git-upload-pack '<path>'`).
// See gitprotocol-common(5), gitprotocol-pack(5) and gitprotocol-http(5).

export type PktLine = { kind: 'data'; payload: Buffer } | { kind: 'flush' } | { kind: 'delim' } | { kind: 'response-end' };

export interface PktLines {
  lines: PktLine[];
  /** Bytes after the last complete pkt-line (a stream still arriving, or a truncated one). */
  rest: Buffer;
}

/** Thrown on bytes that are not pkt-lines: a wrong endpoint, a dumb HTTP server, or a shell banner. */
export class PktLineError extends Error {
  override readonly name = 'PktLineError';
}

const MAX_PKT_LENGTH = 65520;

/** Splits a buffer into pkt-lines: a 4-hex-digit length (including itself) and a payload, or 0000/0001/0002. */
export function parsePktLines(input: Buffer): PktLines {
  const lines: PktLine[] = [];
  let at = 0;
  while (input.length - at >= 4) {
    const head = input.subarray(at, at + 4).toString('latin1');
    if (!/^[0-9a-f]{4}$/i.test(head)) throw new PktLineError(`not a pkt-line at byte ${at}: ${JSON.stringify(head)}`);
    const length = parseInt(head, 16);
    if (length === 0) lines.push({ kind: 'flush' });
    else if (length === 1) lines.push({ kind: 'delim' });
    else if (length === 2) lines.push({ kind: 'response-end' });
    else if (length < 4 || length > MAX_PKT_LENGTH) throw new PktLineError(`invalid pkt-line length ${length} at byte ${at}`);
    else {
      if (input.length - at < length) break;
      lines.push({ kind: 'data', payload: input.subarray(at + 4, at + length) });
      at += length;
      continue;
    }
    at += 4;
  }
  return { lines, rest: input.subarray(at) };
}

export interface RefAdvertisement {
  /** Refs with their object ids, in the order advertised (peeled tags `^{}` are not listed separately). */
  refs: Array<{ name: string; oid: string }>;
  capabilities: string[];
  /** What HEAD points to (`refs/heads/main`), from the `symref=HEAD:…` capability; undefined if detached or unknown. */
  head: string | undefined;
  /** The object id HEAD names, when advertised. */
  headOid: string | undefined;
  /** True for a repository with no refs yet (Git advertises `capabilities^{}` with a zero id). */
  empty: boolean;
}

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Parses an upload-pack ref advertisement. With `smartHttp`, the leading `# service=git-upload-pack`
 * section and its flush are expected first. Stops at the flush that ends the advertisement.
 */
export function parseRefAdvertisement(input: Buffer, options: { smartHttp: boolean }): RefAdvertisement {
  const { lines } = parsePktLines(input);
  let index = 0;
  if (options.smartHttp) {
    const first = lines[index];
    const text = first?.kind === 'data' ? first.payload.toString('utf8').replace(/\n$/, '') : undefined;
    if (text !== '# service=git-upload-pack') throw new PktLineError(`expected '# service=git-upload-pack', got ${JSON.stringify(text ?? first?.kind ?? 'nothing')}`);
    index++;
    if (lines[index]?.kind !== 'flush') throw new PktLineError('expected a flush after the service line');
    index++;
  }
  const refs: RefAdvertisement['refs'] = [];
  let capabilities: string[] = [];
  let empty = false;
  let ended = false;
  for (; index < lines.length; index++) {
    const line = lines[index] as PktLine;
    if (line.kind === 'flush') {
      ended = true;
      break;
    }
    if (line.kind !== 'data') throw new PktLineError(`unexpected ${line.kind} packet in a ref advertisement`);
    let text = line.payload.toString('utf8').replace(/\n$/, '');
    if (text.startsWith('ERR ')) throw new PktLineError(`the server reported: ${text.slice(4)}`);
    if (text === 'version 1') continue;
    if (text.startsWith('version ')) throw new PktLineError(`unsupported protocol ${text}`);
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      capabilities = text.slice(nul + 1).split(' ').filter(Boolean);
      text = text.slice(0, nul);
    }
    const space = text.indexOf(' ');
    const oid = text.slice(0, space);
    const name = text.slice(space + 1);
    if (space < 0 || !OID.test(oid) || !name) throw new PktLineError(`not a ref line: ${JSON.stringify(text.slice(0, 80))}`);
    if (name === 'capabilities^{}') {
      empty = true;
      continue;
    }
    if (name.endsWith('^{}')) continue;
    refs.push({ oid, name });
  }
  if (!ended) throw new PktLineError('the ref advertisement ended before its closing flush');
  const symref = capabilities.find((c) => c.startsWith('symref=HEAD:'));
  return {
    refs,
    capabilities,
    head: symref?.slice('symref=HEAD:'.length),
    headOid: refs.find((r) => r.name === 'HEAD')?.oid,
    empty,
  };
}

/** Encodes one pkt-line (for requests and tests). */
export function pktLine(payload: string): string {
  const length = Buffer.byteLength(payload) + 4;
  return `${length.toString(16).padStart(4, '0')}${payload}`;
}

/** Whether `buffer` holds a complete advertisement (ends at a flush), so a stream reader can stop. */
export function advertisementComplete(buffer: Buffer): boolean {
  try {
    return parsePktLines(buffer).lines.some((line) => line.kind === 'flush');
  } catch {
    return true; // not pkt-lines at all: stop reading, the parser will say why
  }
}
