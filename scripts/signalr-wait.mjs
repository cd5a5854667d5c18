// Waits for one SignalR message, with the real @microsoft/signalr client, as the dashboard gets it.
//
//   node scripts/signalr-wait.mjs --url URL [--header name=value]... --target T --match TEXT
//        [--timeout-ms MS]
//
// --url is the API base ("https://<dashboard>/api"): the client POSTs {url}/negotiate, with the
// --header values (a sign-in cookie or principal), and follows the redirect to SignalR Service.
// Prints "connected" once the hub handshake is done, then exits 0 on the first message on target
// T whose JSON contains TEXT, 2 on timeout, 1 if it cannot connect.

import * as signalR from "@microsoft/signalr";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    header: { type: "string", multiple: true, default: [] },
    target: { type: "string", default: "event" },
    match: { type: "string", default: "" },
    "timeout-ms": { type: "string", default: "60000" },
  },
});

if (!values.url) {
  console.error("usage: --url URL [--header name=value] --target T --match TEXT");
  process.exit(1);
}

const headers = Object.fromEntries(
  values.header.map((h) => [h.slice(0, h.indexOf("=")), h.slice(h.indexOf("=") + 1)]),
);
const connection = new signalR.HubConnectionBuilder()
  .withUrl(values.url, { transport: signalR.HttpTransportType.WebSockets, headers })
  .configureLogging(signalR.LogLevel.Error)
  .build();

async function finish(code, message) {
  clearTimeout(timer);
  if (message) console.log(message);
  try {
    await connection.stop();
  } finally {
    process.exit(code);
  }
}

const timer = setTimeout(
  () => finish(2, `timeout: no ${values.target} message containing ${values.match}`),
  Number.parseInt(values["timeout-ms"], 10),
);

connection.on(values.target, (...args) => {
  const text = JSON.stringify(args);
  if (text.includes(values.match)) finish(0, `received ${values.target}: ${text.slice(0, 300)}`);
});

try {
  await connection.start();
  console.log("connected");
} catch (error) {
  clearTimeout(timer);
  console.log(`cannot connect: ${error?.message ?? error}`);
  process.exit(1);
}
