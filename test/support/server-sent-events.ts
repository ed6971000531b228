/**
 * The events a client reads from a text/event-stream, parsed as the WHATWG HTML standard says
 * (browsers' EventSource, the OpenAI SDKs): a line ends at CRLF, LF or a lone CR; a blank line
 * dispatches the event; `data` lines are joined with LF. Independent of the gateway's own parser, so
 * a test can check what a client would read of the gateway's answer.
 */
export function clientEvents(text: string): { type: string; data: string }[] {
  const events: { type: string; data: string }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.pop(); // an unterminated last line, or nothing
  let data: string[] = [];
  let type = '';
  for (const line of lines) {
    if (line === '') {
      if (data.length > 0) events.push({ type: type || 'message', data: data.join('\n') });
      data = [];
      type = '';
    } else if (!line.startsWith(':')) {
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') type = value;
    }
  }
  return events;
}
