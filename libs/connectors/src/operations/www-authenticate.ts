/** One challenge of a `WWW-Authenticate` header (RFC 7235): a scheme and its auth-params. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate` into its challenges: `Bearer realm="https://auth/token",service="registry",
 * scope="repository:a/b:pull", Basic realm="x"`. Parameter names are lower-cased; quoted values unescaped.
 */
export function parseWwwAuthenticate(header: string | string[] | undefined): AuthChallenge[] {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const challenges: AuthChallenge[] = [];
  const token = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)/y;
  const param = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
  let at = 0;
  while (at < text.length) {
    token.lastIndex = at;
    const scheme = token.exec(text);
    if (!scheme) break;
    at = token.lastIndex;
    const challenge: AuthChallenge = { scheme: (scheme[1] as string).toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      param.lastIndex = at;
      const match = param.exec(text);
      if (!match) break;
      // `Basic realm="a", Bearer realm="b"`: a bare token followed by a space starts the next challenge.
      challenge.params[(match[1] as string).toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] as string);
      at = param.lastIndex;
    }
    const comma = /\s*,?/y;
    comma.lastIndex = at;
    comma.exec(text);
    at = comma.lastIndex; // each pass consumes a scheme, so the loop ends
  }
  return challenges;
}
