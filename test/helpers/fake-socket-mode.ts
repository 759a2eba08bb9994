import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WaitOptions, waitFor } from './wait.js';

/**
 * Slack's Socket Mode end, enough for the bot's SocketModeClient: a WebSocket server (RFC 6455
 * text, ping/pong and close frames, written by hand so the tests need no extra package) that
 * greets with `hello`, delivers envelopes and collects their acks.
 */

export interface SocketAck {
  envelopeId: string;
  payload: Record<string, unknown>;
}

export interface FakeSocketMode {
  /** Path served on the fake Slack; apps.connections.open answers with a ws:// URL to it. */
  readonly path: string;
  readonly acks: SocketAck[];
  connections(): number;
  waitForConnection(opts?: WaitOptions): Promise<void>;
  /** Sends an envelope (`slash_commands`, `interactive`, `events_api`) and resolves with its ack. */
  send(type: string, payload: Record<string, unknown>, opts?: WaitOptions): Promise<SocketAck>;
  /** Closes every connection (as Slack does when it recycles a pod). */
  dropAll(): void;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

interface Connection {
  socket: Duplex;
  buffer: Buffer;
}

export function attachSocketMode(server: Server): FakeSocketMode {
  const path = '/socket-mode';
  const connections = new Set<Connection>();
  const acks: SocketAck[] = [];

  const sendFrame = (conn: Connection, opcode: number, data: Buffer) => {
    const len = data.length;
    let header: Buffer;
    if (len < 126) header = Buffer.from([0x80 | opcode, len]);
    else if (len < 65536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 126;
      header.writeUInt16BE(len, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(len), 2);
    }
    if (!conn.socket.destroyed) conn.socket.write(Buffer.concat([header, data]));
  };

  const onFrame = (conn: Connection, opcode: number, data: Buffer) => {
    if (opcode === 0x1) {
      const message = JSON.parse(data.toString('utf8')) as {
        envelope_id?: string;
        payload?: Record<string, unknown>;
      };
      if (message.envelope_id) acks.push({ envelopeId: message.envelope_id, payload: message.payload ?? {} });
    } else if (opcode === 0x8) {
      sendFrame(conn, 0x8, data.subarray(0, 2));
      conn.socket.end();
      connections.delete(conn);
    } else if (opcode === 0x9) {
      sendFrame(conn, 0xa, data);
    }
  };

  const parse = (conn: Connection) => {
    for (;;) {
      const b = conn.buffer;
      if (b.length < 2) return;
      const opcode = (b[0] ?? 0) & 0x0f;
      const masked = ((b[1] ?? 0) & 0x80) !== 0;
      let len = (b[1] ?? 0) & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const maskLen = masked ? 4 : 0;
      if (b.length < offset + maskLen + len) return;
      const mask = b.subarray(offset, offset + maskLen);
      const data = Buffer.from(b.subarray(offset + maskLen, offset + maskLen + len));
      if (masked) for (let i = 0; i < data.length; i += 1) data[i] = (data[i] ?? 0) ^ (mask[i % 4] ?? 0);
      conn.buffer = b.subarray(offset + maskLen + len);
      onFrame(conn, opcode, data);
    }
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const key = req.headers['sec-websocket-key'];
    if (!req.url?.startsWith(path) || typeof key !== 'string') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const conn: Connection = { socket, buffer: Buffer.alloc(0) };
    connections.add(conn);
    socket.on('data', (chunk: Buffer) => {
      conn.buffer = Buffer.concat([conn.buffer, chunk]);
      parse(conn);
    });
    socket.on('close', () => connections.delete(conn));
    socket.on('error', () => connections.delete(conn));
    // The client closes a connection whose server stays silent for 30 s; keep it alive in long tests.
    const ping = setInterval(() => sendFrame(conn, 0x9, Buffer.from('ping')), 5_000);
    ping.unref();
    socket.on('close', () => clearInterval(ping));
    sendFrame(
      conn,
      0x1,
      Buffer.from(
        JSON.stringify({ type: 'hello', num_connections: connections.size, debug_info: { host: 'fake' } }),
      ),
    );
  });

  return {
    path,
    acks,
    connections: () => connections.size,
    waitForConnection: (opts = {}) =>
      waitFor(() => connections.size > 0, { what: 'a Socket Mode connection', ...opts }).then(
        () => undefined,
      ),
    async send(type, payload, opts = {}) {
      const [conn] = connections;
      if (!conn) throw new Error('no Socket Mode connection');
      const envelopeId = randomUUID();
      const envelope = {
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
      };
      sendFrame(conn, 0x1, Buffer.from(JSON.stringify(envelope)));
      return waitFor(() => acks.find((a) => a.envelopeId === envelopeId), {
        what: `the ack of a ${type} envelope`,
        ...opts,
      });
    },
    dropAll() {
      for (const conn of connections) conn.socket.destroy();
      connections.clear();
    },
  };
}
