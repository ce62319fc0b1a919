import { connect } from 'node:net';

/** One HTTP/1.1 response as it came over the socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses the HTTP/1.1 responses (with content-length) of one connection. */
function parseResponses(data: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = data;
  while (rest.startsWith('HTTP/1.1')) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.slice(end + 4, end + 4 + length);
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

/**
 * A connection to 127.0.0.1:port that sends the bytes `first` at once, and more when told
 * (HTTP/1.1 pipelining); `answers` resolves with every response once the server closes it.
 */
export function rawConnection(port: number, first: string) {
  const socket = connect(port, '127.0.0.1', () => socket.write(first));
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    data += chunk;
  });
  const answers = new Promise<RawResponse[]>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('close', () => resolve(parseResponses(data)));
  });
  return { send: (request: string) => socket.write(request), answers };
}

/** Sends raw bytes; the first response, once the server closes the connection (none: undefined). */
export async function rawRequest(port: number, request: string): Promise<RawResponse | undefined> {
  const [first] = await rawConnection(port, request).answers;
  return first;
}
