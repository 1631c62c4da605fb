import { connect } from 'node:net';

/**
 * Sends raw bytes to a local HTTP server, bypassing every client's own validation, and resolves with
 * what came back: one whole response, or whatever arrived before the server closed (or 3 s passed).
 */
export function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, 3_000);
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      // One response is all we want; keep-alive would otherwise hold the socket open.
      const head = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received);
      if (head !== -1 && length && received.length >= head + 4 + Number(length[1])) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(bytes, 'latin1');
  });
}
