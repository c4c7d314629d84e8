// A shell in the browser: xterm.js over a WebSocket at /api/v1/terminal.
// Client → server: text frames {"type":"input","data":"..."} and {"type":"resize","cols":N,"rows":M}.
// Server → client: the terminal's output as binary frames; the server closes the socket when the shell exits.
// The terminal is an admin's: for another role the page says so and opens no connection.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { RotateCcw } from 'lucide-react';
import { useAccess } from '../api/auth';
import { openTerminalSocket, terminalStatus } from '../api/terminal';
import { Alert } from '../components/ui';

type Status = 'connecting' | 'open' | 'closed' | 'unavailable';

const THEME = {
  background: '#0d1017',
  foreground: '#d5dae3',
  cursor: '#a095ff',
  selectionBackground: '#3a3f5c',
  black: '#1b1f29',
  red: '#ff6b6b',
  green: '#3ccf74',
  yellow: '#f2c14e',
  blue: '#6aa2ff',
  magenta: '#c48bff',
  cyan: '#4fd1c5',
  white: '#d5dae3',
  brightBlack: '#5d6677',
};

function Header({ children }: { children?: ReactNode }) {
  return (
    <div className="page-header">
      <div className="page-header__title">
        <h1>Terminal</h1>
        <span className="page-header__sub">A shell in the project folder, on the machine that runs Wand.</span>
      </div>
      {children}
    </div>
  );
}

export default function TerminalPage() {
  const denied = useAccess().denied('admin', 'The terminal');
  if (denied) {
    return (
      <div className="terminal-page">
        <Header />
        <Alert tone="info">
          <span data-testid="terminal-denied">{denied} It runs any command on the server, so only admins open it.</span>
        </Alert>
      </div>
    );
  }
  return <TerminalView />;
}

function TerminalView() {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const fit = useRef<FitAddon | null>(null);
  const socket = useRef<WebSocket | null>(null);
  const [status, setStatus] = useState<Status>('connecting');
  const [detail, setDetail] = useState<string>('');

  const sendResize = useCallback(() => {
    const t = term.current;
    const ws = socket.current;
    if (t && ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'resize', cols: t.cols, rows: t.rows }));
    }
  }, []);

  const connect = useCallback(() => {
    const t = term.current;
    if (!t) return;
    socket.current?.close();
    setStatus('connecting');
    setDetail('');
    let opened = false;
    const ws = openTerminalSocket();
    socket.current = ws;
    // A connection that neither opens nor fails (a proxy that holds it) is given up after a while.
    const giveUp = setTimeout(() => {
      if (!opened) ws.close();
    }, 10_000);
    ws.onopen = () => {
      opened = true;
      clearTimeout(giveUp);
      setStatus('open');
      fit.current?.fit();
      sendResize();
      t.focus();
    };
    ws.onmessage = (ev: MessageEvent<ArrayBuffer | string>) => {
      if (typeof ev.data === 'string') t.write(ev.data);
      else t.write(new Uint8Array(ev.data));
    };
    ws.onclose = (ev) => {
      clearTimeout(giveUp);
      if (socket.current !== ws) return;
      if (opened) {
        setStatus('closed');
        setDetail(ev.reason || (ev.code === 1000 ? 'The shell exited.' : `Connection closed (code ${String(ev.code)}).`));
        t.write('\r\n\x1b[90m[disconnected]\x1b[0m\r\n');
        return;
      }
      // It never opened: tell a missing endpoint from a refused connection.
      terminalStatus().then(
        (status) => {
          if (socket.current !== ws) return;
          if (status === 404) {
            setStatus('unavailable');
            setDetail('This server has no terminal endpoint (GET /api/v1/terminal answered 404).');
          } else {
            setStatus('closed');
            setDetail(`The server refused the terminal connection (HTTP ${String(status)}).`);
          }
        },
        () => {
          if (socket.current !== ws) return;
          setStatus('closed');
          setDetail('Cannot reach the Wand server.');
        },
      );
    };
  }, [sendResize]);

  useEffect(() => {
    if (!host.current) return;
    const t = new Terminal({
      cursorBlink: true,
      fontFamily: "'JetBrains Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 13.5,
      theme: THEME,
      scrollback: 5000,
      allowProposedApi: false,
    });
    const f = new FitAddon();
    t.loadAddon(f);
    t.open(host.current);
    term.current = t;
    fit.current = f;
    f.fit();
    const input = t.onData((data) => {
      const ws = socket.current;
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'input', data }));
    });
    const resized = t.onResize(() => sendResize());
    const observer = new ResizeObserver(() => {
      try {
        f.fit();
      } catch {
        // Not laid out yet.
      }
    });
    observer.observe(host.current);
    connect();
    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      const ws = socket.current;
      socket.current = null;
      ws?.close();
      t.dispose();
      term.current = null;
    };
  }, [connect, sendResize]);

  return (
    <div className="terminal-page">
      <Header>
        <div className="page-header__actions">
          <span className={`term-status term-status--${status === 'open' ? 'open' : status === 'connecting' ? 'connecting' : 'closed'}`} data-testid="terminal-status">
            {status === 'open' ? 'Connected' : status === 'connecting' ? 'Connecting…' : status === 'unavailable' ? 'Not available' : 'Disconnected'}
          </span>
          {(status === 'closed' || status === 'unavailable') && (
            <button type="button" className="btn btn--sm" onClick={connect} data-testid="terminal-reconnect">
              <RotateCcw /> Reconnect
            </button>
          )}
        </div>
      </Header>
      {status === 'closed' && (
        <Alert tone="warning">
          Disconnected — {detail}{' '}
          <button type="button" className="btn btn--sm" onClick={connect} style={{ marginLeft: 8 }}>
            Reconnect
          </button>
        </Alert>
      )}
      {status === 'unavailable' && <Alert tone="info">{detail}</Alert>}
      <div className="terminal-box">
        <div ref={host} style={{ height: '100%' }} data-testid="terminal" />
      </div>
    </div>
  );
}
