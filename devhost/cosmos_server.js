// Starts the local Cosmos DB server with HTTP keep-alive. The package's CLI answers every
// request with "Connection: close", which makes each SDK call pay a new TLS handshake
// (about 20 ms here); keeping connections open makes a document write about 1 ms.
//
// Two additions, both outside the package:
//
// 1. A `_ts` index. The package answers every query by materialising the whole container and
//    filtering it, so the change-feed poll ("SELECT * FROM c WHERE c._ts >= @ts") and the
//    catalogue refresh cost a pass over every document each time: O(catalogue), where Azure's
//    range index answers them from the documents written since. Every write here goes through
//    Items#_set with `_ts` = the current second, and a replace deletes then re-inserts, so the
//    container's Map iterates in write order. A log of (ts, rid) appended on each write is then
//    sorted by ts; a query of exactly that shape (optionally "AND c._ts <= @until") runs over
//    the log's tail, deduplicated to each document's last write, which is the same documents
//    in the same order as the full scan (so continuation tokens mean the same). A clock that
//    steps back marks the log unsorted and those queries scan until the next compaction.
// 2. GET /_emulator/stats: the server's own time (request received to response finished) and
//    query work (documents handed to the query engine), so a benchmark reports the emulator's
//    cost apart from the app's.
const { createHttpsServer } = require("@vercel/cosmosdb-server");
const Items = require("@vercel/cosmosdb-server/lib/account/items").default;

const TS_QUERY = /^\s*SELECT \* FROM c WHERE c\._ts >= (@\w+)(?: AND c\._ts <= @\w+)?\s*$/i;

const stats = {
  requests: 0,
  request_ms: 0,
  queries: 0,
  query_ms: 0,
  indexed_queries: 0,
  docs_examined: 0,
  writes: 0,
};

function log(items) {
  if (!items._tsLog) {
    items._tsLog = { entries: [], sorted: true };
  }
  return items._tsLog;
}

function compact(items) {
  // Rebuild from the Map, which iterates in write order; sorted by ts in case the clock stepped.
  const entries = [];
  for (const [rid, item] of items._data) {
    entries.push({ ts: item.read()._ts, rid });
  }
  entries.sort((a, b) => a.ts - b.ts); // stable: write order within a second is kept
  items._tsLog = { entries, sorted: true };
}

const originalSet = Items.prototype._set;
Items.prototype._set = function setAndLog(data) {
  const result = originalSet.call(this, data);
  const tsLog = log(this);
  const last = tsLog.entries[tsLog.entries.length - 1];
  if (last && data._ts < last.ts) {
    tsLog.sorted = false;
  }
  tsLog.entries.push({ ts: data._ts, rid: data._rid });
  stats.writes += 1;
  if (tsLog.entries.length > 2 * this._data.size + 1024 || !tsLog.sorted) {
    compact(this);
  }
  return result;
};

function firstAtOrAfter(entries, ts) {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function writtenSince(items, ts) {
  const tsLog = log(items);
  if (!tsLog.sorted) return null;
  const entries = tsLog.entries;
  // Each document once, at its last write (where the Map has it), in write order.
  const seen = new Set();
  const docs = [];
  for (let i = entries.length - 1, start = firstAtOrAfter(entries, ts); i >= start; i -= 1) {
    const { rid } = entries[i];
    if (seen.has(rid)) continue;
    seen.add(rid);
    const item = items._data.get(rid);
    if (item) docs.push(item.read());
  }
  return docs.reverse();
}

const originalQuery = Items.prototype.query;
Items.prototype.query = function indexedQuery(params, options) {
  const started = process.hrtime.bigint();
  try {
    const match = TS_QUERY.exec(params.query || "");
    const param = match && (params.parameters || []).find(p => p.name === match[1]);
    const since = param && typeof param.value === "number" ? param.value : null;
    const docs = since === null || !this._parent.read() ? null : writtenSince(this, since);
    if (docs === null) {
      stats.docs_examined += this._data.size;
      return originalQuery.call(this, params, options);
    }
    stats.indexed_queries += 1;
    stats.docs_examined += docs.length;
    const parent = this._parent.read();
    return this._getQuery(params.query).exec(docs, {
      parameters: params.parameters,
      udf: this._userDefinedFunctions(),
      maxItemCount: options.maxItemCount,
      continuation: options.continuation,
      compositeIndexes: (parent.indexingPolicy || {}).compositeIndexes || [],
    });
  } finally {
    stats.queries += 1;
    stats.query_ms += Number(process.hrtime.bigint() - started) / 1e6;
  }
};

const port = parseInt(process.argv[2] || "8081", 10);
const server = createHttpsServer({ keepAlive: true });
const [handler] = server.listeners("request");
server.removeAllListeners("request");
server.on("request", (req, res) => {
  if (req.method === "GET" && req.url === "/_emulator/stats") {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(stats));
    return;
  }
  const started = process.hrtime.bigint();
  res.on("finish", () => {
    stats.requests += 1;
    stats.request_ms += Number(process.hrtime.bigint() - started) / 1e6;
  });
  handler(req, res);
});
server.listen(port, "127.0.0.1", () => {
  console.log(`cosmos ready on 127.0.0.1:${port}`);
});
