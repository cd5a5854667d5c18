// What a phone receives from the live connection: bytes per minute over the SignalR WebSocket.
//
//   node scripts/live-bytes.mjs [--base http://127.0.0.1:7071] [--seconds 60] [--role analyst]
//
// Connects like the dashboard does (the real @microsoft/signalr client, POST {base}/api/negotiate
// with the role cookie devhost uses for sign-in, then the WebSocket the negotiation names) and
// counts, for --seconds after the handshake:
//   - payload bytes: every text frame as received (JSON hub protocol, uncompressed), per target;
//   - wire bytes: what the TCP socket read (frame headers, permessage-deflate if negotiated).
// Prints one JSON object. Run devhost first (`make run`, mock mode with no store connected).

import * as signalR from "@microsoft/signalr";
import { parseArgs } from "node:util";
import WebSocket from "ws";

const { values } = parseArgs({
  options: {
    base: { type: "string", default: "http://127.0.0.1:7071" },
    seconds: { type: "string", default: "60" },
    role: { type: "string", default: "analyst" },
  },
});
const seconds = Number(values.seconds);
const base = values.base.replace(/\/$/, "");

let counting = false;
const payload = { bytes: 0, frames: 0, byTarget: {} };
const sockets = [];
let wireAtStart = 0;

/** The `ws` client, counting what it receives once `counting` is on. */
class CountingWebSocket extends WebSocket {
  constructor(url, protocols, options) {
    super(url, protocols, options);
    sockets.push(this);
    this.on("message", (data, isBinary) => {
      if (!counting) return;
      const bytes = isBinary ? data.length : Buffer.byteLength(data.toString());
      payload.bytes += bytes;
      payload.frames += 1;
      // A frame holds one or more records separated by 0x1e.
      for (const record of data.toString().split("\u001e")) {
        if (!record) continue;
        let name = "other";
        try {
          const message = JSON.parse(record);
          name = message.type === 1 ? message.target : message.type === 6 ? "ping" : `type ${message.type}`;
        } catch {
          name = "unparsed";
        }
        const entry = (payload.byTarget[name] ??= { messages: 0, bytes: 0 });
        entry.messages += 1;
        entry.bytes += Buffer.byteLength(record) + 1;
      }
    });
  }
}

const wireRead = () => sockets.reduce((sum, ws) => sum + (ws._socket?.bytesRead ?? 0), 0);

const connection = new signalR.HubConnectionBuilder()
  .withUrl(`${base}/api`, {
    transport: signalR.HttpTransportType.WebSockets,
    WebSocket: CountingWebSocket,
    headers: { cookie: `resight_role=${values.role}`, origin: base },
  })
  .configureLogging(signalR.LogLevel.Warning)
  .build();

// The dashboard listens to every target; unhandled ones would only log warnings.
for (const target of ["kpis", "ranking", "event", "rules", "stores", "model"]) connection.on(target, () => undefined);

await connection.start();
wireAtStart = wireRead();
counting = true;
const started = Date.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
counting = false;
const elapsed = (Date.now() - started) / 1000;
const wire = wireRead() - wireAtStart;
await connection.stop();

const perMinute = (n) => Math.round((n * 60) / elapsed);
const compressed = sockets.some((ws) => String(ws.extensions ?? "").includes("permessage-deflate"));
console.log(
  JSON.stringify(
    {
      seconds: Math.round(elapsed * 10) / 10,
      payload_bytes: payload.bytes,
      payload_bytes_per_minute: perMinute(payload.bytes),
      frames_per_minute: perMinute(payload.frames),
      wire_bytes: wire,
      wire_bytes_per_minute: perMinute(wire),
      permessage_deflate: compressed,
      by_target_per_minute: Object.fromEntries(
        Object.entries(payload.byTarget).map(([k, v]) => [k, { messages: perMinute(v.messages), bytes: perMinute(v.bytes) }]),
      ),
    },
    null,
    2,
  ),
);
process.exit(0);
