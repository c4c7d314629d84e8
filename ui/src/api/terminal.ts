// The terminal: a WebSocket at /api/v1/terminal (not in the OpenAPI document), and a plain GET of the same path
// that tells a server without a terminal (404) from one that refused the connection.
import { apiUrl, wsUrl } from './client';

/** Opens the terminal's socket; the shell's output arrives as binary frames. */
export function openTerminalSocket(): WebSocket {
  const ws = new WebSocket(wsUrl('/terminal'));
  ws.binaryType = 'arraybuffer';
  return ws;
}

/** The HTTP status a GET of the terminal's path answers (rejects when the server cannot be reached). */
export async function terminalStatus(): Promise<number> {
  return (await fetch(apiUrl('/terminal'))).status;
}
