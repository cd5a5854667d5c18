// A listening SignalR client built on the real @microsoft/signalr package, for integration tests.
//
//   node tests/integration/signalr_client.mjs --url URL [--token JWT] [--header name=value]...
//        [--count N] [--timeout-ms MS] TARGET [TARGET...]
//
// --url is either the service client URL from a negotiate response ("{endpoint}/client/?hub=h",
// then --token is that response's accessToken) or the function app's base URL ("http://host/api":
// the client POSTs {url}/negotiate itself and follows the {url, accessToken} redirect, as the
// dashboard does). --header is sent with the app's negotiate request (function key, principal).
//
// Prints one JSON object per line on stdout:
//   {"event":"connected","connectionId":...}   once the hub handshake is done
//   {"target":...,"arguments":[...]}           for every message received on a TARGET
//   {"event":"done","received":N}              after N messages (exit 0)
//   {"event":"timeout","received":n}           if --timeout-ms passes first (exit 2)
// A failure to connect prints {"event":"error","message":...} and exits 1.

import * as signalR from "@microsoft/signalr";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string" },
    token: { type: "string" },
    header: { type: "string", multiple: true, default: [] },
    count: { type: "string", default: "1" },
    "timeout-ms": { type: "string", default: "10000" },
  },
});

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

if (!values.url || positionals.length === 0) {
  emit({ event: "error", message: "usage: --url URL [--token JWT] TARGET [TARGET...]" });
  process.exit(1);
}

const wanted = Number.parseInt(values.count, 10);
const timeoutMs = Number.parseInt(values["timeout-ms"], 10);
const headers = Object.fromEntries(
  values.header.map((h) => {
    const at = h.indexOf("=");
    return [h.slice(0, at), h.slice(at + 1)];
  }),
);

const options = { transport: signalR.HttpTransportType.WebSockets, headers };
if (values.token) {
  options.accessTokenFactory = () => values.token;
}

const connection = new signalR.HubConnectionBuilder()
  .withUrl(values.url, options)
  .configureLogging(signalR.LogLevel.Warning)
  .build();

let received = 0;
let finished = false;

async function finish(event, code) {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  emit({ event, received });
  try {
    await connection.stop();
  } finally {
    process.exit(code);
  }
}

const timer = setTimeout(() => finish("timeout", 2), timeoutMs);

for (const target of positionals) {
  connection.on(target, (...args) => {
    if (finished) return;
    emit({ target, arguments: args });
    received += 1;
    if (received >= wanted) finish("done", 0);
  });
}

connection.onclose((error) => {
  if (!finished) {
    finished = true;
    clearTimeout(timer);
    emit({ event: "closed", received, message: error ? String(error.message ?? error) : null });
    process.exit(3);
  }
});

try {
  await connection.start();
  emit({ event: "connected", connectionId: connection.connectionId });
} catch (error) {
  finished = true;
  clearTimeout(timer);
  emit({ event: "error", message: String(error?.message ?? error) });
  process.exit(1);
}
