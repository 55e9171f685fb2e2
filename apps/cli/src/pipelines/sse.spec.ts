import { readSse, SseParser } from './sse';

describe('SseParser', () => {
  it('dispatches an event at each blank line, with its name and data', () => {
    const parser = new SseParser();
    expect(parser.feed('event: log\ndata: {"line":"a"}\n\nevent: end\ndata: {"status":"succeeded"}\n\n')).toEqual([
      { event: 'log', data: '{"line":"a"}' },
      { event: 'end', data: '{"status":"succeeded"}' },
    ]);
  });

  it('joins an event split anywhere across chunks, including inside a CRLF', () => {
    const stream = 'event: progress\r\ndata: {"x":1}\r\n\r\nevent: log\r\ndata: two\r\n\r\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.feed(stream.slice(0, cut)), ...parser.feed(stream.slice(cut))];
      expect(events).toEqual([
        { event: 'progress', data: '{"x":1}' },
        { event: 'log', data: 'two' },
      ]);
    }
  });

  it('joins several data lines with newlines, defaults the name to message, keeps the id, and strips one space only', () => {
    expect(new SseParser().feed('id: 7\ndata:first\ndata:  second\n\n')).toEqual([{ event: 'message', data: 'first\n second', id: '7' }]);
  });

  it('ignores comments, unknown fields and events without data, and resets the name after each event', () => {
    const parser = new SseParser();
    expect(parser.feed(': keep-alive\nretry: 100\nfoo: bar\n\nevent: lonely\n\ndata: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('accepts lone CR line ends', () => {
    expect(new SseParser().feed('event: end\rdata: {}\r\r')).toEqual([{ event: 'end', data: '{}' }]);
  });

  it('drops an unfinished last event at the end of the stream', () => {
    const parser = new SseParser();
    expect(parser.feed('event: log\ndata: half')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split across byte chunks', async () => {
    const bytes = Buffer.from('event: log\ndata: hello ✓ ***\n\n');
    const at = bytes.indexOf(Buffer.from('✓')) + 1; // inside the multi-byte character
    async function* body() {
      yield new Uint8Array(bytes.subarray(0, at));
      yield new Uint8Array(bytes.subarray(at));
    }
    const events = [];
    for await (const event of readSse(body())) events.push(event);
    expect(events).toEqual([{ event: 'log', data: 'hello ✓ ***' }]);
  });
});
