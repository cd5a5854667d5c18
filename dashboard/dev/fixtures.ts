// Development-only stand-in for the ReSight API, Static Web Apps auth and the SignalR hub, so the
// dashboard can be built and looked at without the backend (`npm run dev:fixtures`). It follows
// the API contract in docs/api.md; it is loaded by vite.config.ts in "fixtures" mode only and is
// never part of a production build.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Plugin } from "vite";
import { WebSocketServer, type WebSocket } from "ws";

type Json = Record<string, unknown>;
const MARKETPLACES = ["amazon", "myntra", "meesho"] as const;
type Mp = (typeof MARKETPLACES)[number];
const SEP = "\u001e";
const HUB_PATH = "/fixture-hub";

// Deterministic data: the same catalogue on every start.
let seed = 42;
function rand(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];

const CATALOGUE: [string, string[], [number, number]][] = [
  ["Kurtas", ["Biba", "W", "Libas", "Aurelia"], [499, 2499]],
  ["Sarees", ["Mitera", "Saree Mall", "Kalini"], [699, 5999]],
  ["Sneakers", ["Campus", "Puma", "Red Tape", "Bata"], [999, 4999]],
  ["Earbuds", ["boAt", "Noise", "Realme"], [799, 3999]],
  ["Kitchen", ["Prestige", "Pigeon", "Milton"], [299, 2999]],
  ["Bedsheets", ["Bombay Dyeing", "Spaces", "Raymond Home"], [399, 1999]],
  ["Watches", ["Titan", "Fastrack", "Sonata"], [899, 6999]],
];
const NOUNS: Record<string, string[]> = {
  Kurtas: ["Cotton Straight Kurta", "Anarkali Kurta Set", "Printed A-line Kurta"],
  Sarees: ["Banarasi Silk Saree", "Chiffon Printed Saree", "Kanjeevaram Art Silk Saree"],
  Sneakers: ["Running Shoes", "Casual Sneakers", "Walking Shoes"],
  Earbuds: ["TWS Earbuds ANC", "Wireless Earbuds 40h", "Gaming Earbuds"],
  Kitchen: ["Pressure Cooker 5L", "Non-stick Tawa", "Steel Water Bottle 1L"],
  Bedsheets: ["Double Bedsheet 144TC", "King Fitted Sheet", "Cotton Bedsheet Set"],
  Watches: ["Analog Men's Watch", "Smartwatch 1.8in", "Women's Analog Watch"],
};

interface Item {
  item_id: string; title: string; category: string; brand: string; marketplace: Mp;
  price: number; mrp: number; stock: number; rating: number; review_count: number;
  competitor_price: number; base: number; score: number; rank: number; previous_rank: number | null;
  counters: number[][]; history: { t: string; rank: number; score: number }[]; last_event_at: string | null;
}

const items: Item[] = Array.from({ length: 140 }, (_, i) => {
  const [category, brands, [low, high]] = pick(CATALOGUE);
  const marketplace = pick(MARKETPLACES);
  const brand = pick(brands);
  const price = Math.round((low + rand() * (high - low)) / 10) * 10 - 1;
  const prefix = { amazon: "AMZ", myntra: "MYN", meesho: "MSH" }[marketplace];
  return {
    item_id: `${prefix}-${String(1000 + i * 7).padStart(6, "0")}`,
    title: `${brand} ${pick(NOUNS[category])}`,
    category, brand, marketplace, price,
    mrp: Math.round(price * (1.2 + rand() * 0.8)),
    stock: Math.floor(rand() * 180),
    rating: Math.round((3.4 + rand() * 1.5) * 10) / 10,
    review_count: Math.floor(rand() * 25_000),
    competitor_price: Math.round(price * (0.85 + rand() * 0.3)),
    base: rand(), score: 0, rank: 0, previous_rank: null,
    counters: [], history: [], last_event_at: null,
  };
});

const now = () => new Date().toISOString();
let rules: Json[] = [];
const audit: Json[] = [];
let ruleSeq = 0;
const stores = MARKETPLACES.map((marketplace) => ({
  marketplace, display_name: { amazon: "Amazon", myntra: "Myntra", meesho: "Meesho" }[marketplace],
  connected: false, connected_at: null as string | null,
}));
const storesPayload = () => ({
  mode: stores.some((s) => s.connected) ? "live" : "mock",
  stores: stores.map((s) => ({
    ...s,
    manual: s.connected,
    receiving: false,
    webhook_url: `http://127.0.0.1:7071/api/integrations/${s.marketplace}/webhook`,
    last_event_at: null,
    events_per_minute: 0,
    rejected: s.marketplace === "meesho" ? [{ reason: "unauthorized", count: 2, last_minute: now().slice(0, 16).replace(/[-T:]/g, "") }] : [],
    rejected_24h: s.marketplace === "meesho" ? 2 : 0,
    secret_rotated_at: null,
    previous_secret_valid_until: null,
  })),
});
// Listings seen in events that the catalogue does not know (PUT /api/catalogue/{id} completes one).
let unmatched = [
  { item_id: "AMZ-001", marketplace: "amazon", last_order_price: 499, price: null, stock: 0, totals: { views: 0, clicks: 0, orders: 2, units: 2, revenue: 998 }, first_seen_at: new Date(Date.now() - 3_600_000).toISOString(), last_event_at: new Date().toISOString() },
];

// Per-minute buckets for the last 24 h: minute -> marketplace -> [views, clicks, purchases, revenue].
const buckets = new Map<number, Record<Mp, number[]>>();
const minuteOf = (ms: number) => Math.floor(ms / 60_000);
function bucket(minute: number): Record<Mp, number[]> {
  let entry = buckets.get(minute);
  if (!entry) {
    entry = { amazon: [0, 0, 0, 0], myntra: [0, 0, 0, 0], meesho: [0, 0, 0, 0] };
    buckets.set(minute, entry);
  }
  return entry;
}
// Backfill a day of plausible traffic, busier in the Indian evening.
for (let m = minuteOf(Date.now()) - 24 * 60; m < minuteOf(Date.now()); m++) {
  const istHour = (Math.floor(m / 60) + 5.5) % 24;
  const load = 0.35 + 0.65 * Math.max(0, Math.sin(((istHour - 6) / 24) * 2 * Math.PI * 1.2));
  for (const mp of MARKETPLACES) {
    const weight = { amazon: 1.4, myntra: 1, meesho: 0.8 }[mp];
    const views = Math.round((160 + rand() * 120) * load * weight);
    const clicks = Math.round(views * (0.08 + rand() * 0.06));
    const purchases = Math.round(clicks * (0.05 + rand() * 0.08));
    bucket(m)[mp] = [views, clicks, purchases, purchases * (600 + Math.round(rand() * 1400))];
  }
}

function activeRules(): Json[] {
  const t = Date.now();
  return rules.filter((r) => (!r.valid_from || Date.parse(String(r.valid_from)) <= t) && (!r.valid_to || Date.parse(String(r.valid_to)) > t));
}

function rerank(): void {
  const active = activeRules();
  for (const item of items) {
    item.score = Math.max(0, item.base * 0.7 + Math.min(item.stock, 50) / 250 + (item.competitor_price - item.price) / item.price * 0.3);
    for (const rule of active) {
      if (rule.type === "boost" && rule.item_id === item.item_id) item.score += Number(rule.strength);
      if (rule.type === "demote" && rule.item_id === item.item_id) item.score -= Number(rule.strength);
      if (rule.type === "clearance" && item.stock > 120) item.score += Number(rule.strength) * 0.5;
    }
  }
  const removed = new Set(active.filter((r) => r.type === "remove").map((r) => r.item_id));
  const ordered = items.filter((i) => !removed.has(i.item_id)).sort((a, b) => b.score - a.score);
  for (const pin of active.filter((r) => r.type === "pin").sort((a, b) => Number(a.position) - Number(b.position))) {
    const index = ordered.findIndex((i) => i.item_id === pin.item_id);
    if (index >= 0) ordered.splice(Math.min(Number(pin.position) - 1, ordered.length - 1), 0, ...ordered.splice(index, 1));
  }
  const before = new Map(items.map((item) => [item.item_id, item.rank]));
  for (const item of items) item.rank = 0;
  ordered.forEach((item, index) => {
    item.previous_rank = before.get(item.item_id) || null;
    item.rank = index + 1;
    item.history.push({ t: now(), rank: item.rank, score: item.score });
    if (item.history.length > 120) item.history.shift();
  });
}

function rankItem(item: Item): Json {
  const rank_change = item.previous_rank === null ? null : item.previous_rank - item.rank;
  return {
    item_id: item.item_id, title: item.title, category: item.category, marketplace: item.marketplace, brand: item.brand,
    price: item.price, mrp: item.mrp, stock: item.stock, score: Number(item.score.toFixed(6)), rank: item.rank,
    previous_rank: item.previous_rank, rank_change,
    rules: activeRules().filter((r) => r.item_id === item.item_id || (r.type === "clearance" && item.stock > 120)).map((r) => ({ id: r.id, type: r.type })),
  };
}
const ranked = () => items.filter((i) => i.rank > 0).sort((a, b) => a.rank - b.rank);

function explain(item: Item): Json {
  const contributions = [
    { feature: "price_vs_competitor", value: Number((item.price / item.competitor_price).toFixed(3)), contribution: (item.competitor_price - item.price) / item.price * 0.3 },
    { feature: "stock", value: item.stock, contribution: Math.min(item.stock, 50) / 250 - 0.1 },
    { feature: "conversion_24h", value: 0.041, contribution: item.base * 0.35 - 0.15 },
    { feature: "views_24h", value: 320 + Math.round(item.base * 900), contribution: item.base * 0.2 - 0.08 },
    { feature: "rating", value: item.rating, contribution: (item.rating - 4) * 0.05 },
    { feature: "discount_pct", value: Math.round((1 - item.price / item.mrp) * 100), contribution: (1 - item.price / item.mrp) * 0.1 - 0.03 },
    { feature: "review_count", value: item.review_count, contribution: Math.log10(item.review_count + 1) * 0.01 - 0.02 },
  ].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  const raw = item.score;
  return { item_id: item.item_id, model_version: "fixture-1", base_value: raw - contributions.reduce((s, c) => s + c.contribution, 0), raw_score: raw, contributions };
}

// Amazon items are ranked by the model here and the rest by a baseline, so both explanations show.
const rankedBy = (item: Item) => (item.marketplace === "amazon" ? "model" : "recency_weighted");

/** A recency-weighted score made of its four spans of sales (at `share` of today's sales). */
function baselineParts(item: Item, share = 1): { part: string; words: string; value: number; contribution: number }[] {
  const spans = [["units sold in the last 24 h", 17, 0.5], ["units sold on days 2-7", 40, 0.12], ["units sold on days 8-14", 25, 0.03], ["units sold on days 15-30", 30, 0.005]] as const;
  return spans.map(([words, units, weight], k) => {
    const value = Math.round(units * (1 + item.base) * share);
    return { part: `span_${k}`, words, value, contribution: value * weight };
  });
}

function explainAnswer(item: Item): Json {
  const by = rankedBy(item);
  if (by === "model") return { ...explain(item), ranked_by: by };
  const parts = baselineParts(item);
  return { ...explain(item), ranked_by: by, baseline: { name: by, score: parts.reduce((s, p) => s + p.contribution, 0), parts } };
}

function metrics(): Json {
  const sums: Record<Mp, number[]> = { amazon: [0, 0, 0, 0], myntra: [0, 0, 0, 0], meesho: [0, 0, 0, 0] };
  const from = minuteOf(Date.now()) - 24 * 60;
  for (const [minute, entry] of buckets) {
    if (minute < from) continue;
    for (const mp of MARKETPLACES) entry[mp].forEach((v, i) => (sums[mp][i] += v));
  }
  const total = [0, 1, 2, 3].map((i) => MARKETPLACES.reduce((s, mp) => s + sums[mp][i], 0));
  const [views, clicks, purchases, revenue] = total;
  const kpis = { views, clicks, purchases, units: Math.round(purchases * 1.2), revenue, conversion_rate: clicks ? purchases / clicks : 0, ctr: views ? clicks / views : 0, aov: purchases ? revenue / purchases : 0, low_stock: items.filter((i) => i.stock <= 10).length, products: items.length };
  const scale = (v: number) => Math.round(v * 38.5);
  return {
    as_of: now(), mode: storesPayload().mode, window: "24h", kpis,
    totals: { ...kpis, views: scale(views), clicks: scale(clicks), purchases: scale(purchases), units: scale(kpis.units), revenue: scale(revenue) },
    by_marketplace: Object.fromEntries(MARKETPLACES.map((mp) => [mp, { views: sums[mp][0], clicks: sums[mp][1], purchases: sums[mp][2], revenue: sums[mp][3] }])),
  };
}

function series(range: string): Json {
  const minutes = range === "day" ? 60 : 1;
  const count = range === "day" ? 24 : 60;
  const end = minuteOf(Date.now());
  const start = Math.floor((end - (count - 1) * minutes) / minutes) * minutes;
  const points = Array.from({ length: count }, (_, i) => {
    const from = start + i * minutes;
    const point: Json = { t: new Date(from * 60_000).toISOString() };
    for (const mp of MARKETPLACES) {
      const sum = [0, 0, 0, 0];
      for (let m = from; m < from + minutes; m++) buckets.get(m)?.[mp].forEach((v, k) => (sum[k] += v));
      point[mp] = { views: sum[0], clicks: sum[1], purchases: sum[2], revenue: sum[3] };
    }
    return point;
  });
  return { range, step: range === "day" ? "hour" : "minute", points };
}

// ---- SignalR emulation (JSON hub protocol over WebSocket) ----
const sockets = new Set<WebSocket>();
function broadcast(target: string, payload: unknown): void {
  const frame = JSON.stringify({ type: 1, target, arguments: [payload] }) + SEP;
  for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(frame);
}

let eventSeq = 0;
function tick(): void {
  const minute = bucket(minuteOf(Date.now()));
  for (let n = 0; n < 3; n++) {
    const item = pick(items);
    const kind = pick(["view", "view", "view", "click", "click", "order", "order", "stock", "cancel"] as const);
    const units = kind === "order" ? 1 + Math.floor(rand() * 2) : kind === "stock" ? 20 : kind === "cancel" ? 1 : 0;
    const revenue = kind === "order" ? units * item.price : kind === "cancel" ? -item.price : 0;
    const entry = minute[item.marketplace];
    if (kind === "view") entry[0] += 12;
    if (kind === "click") entry[1] += 3;
    if (kind === "order") { entry[2] += 1; entry[3] += revenue; item.stock = Math.max(0, item.stock - units); }
    if (kind === "stock") item.stock += units;
    item.last_event_at = now();
    broadcast("event", { id: `ev-${++eventSeq}`, item_id: item.item_id, title: item.title, marketplace: item.marketplace, kind, units, revenue, occurred_at: now() });
  }
  items.forEach((item) => (item.base = Math.min(1, Math.max(0, item.base + (rand() - 0.5) * 0.02))));
  rerank();
  broadcast("kpis", metrics());
  broadcast("ranking", { model_version: "fixture-1", as_of: now(), items: ranked().slice(0, 50).map(rankItem) });
}

// ---- HTTP ----
function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
}
const fail = (res: ServerResponse, status: number, error: string, message: string, field?: string) => send(res, status, { error, message, ...(field ? { field } : {}) });

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Json) : {};
}

function role(req: IncomingMessage): "admin" | "analyst" | null {
  const match = /(?:^|;\s*)fixture_role=(admin|analyst)/.exec(req.headers.cookie ?? "");
  return match ? (match[1] as "admin" | "analyst") : null;
}

function logAudit(action: string, actor: string, extra: Json): void {
  audit.unshift({ id: `au-${audit.length + 1}`, at: now(), action, actor, ...extra });
}

function createRule(type: string, body: Json, actor: string): Json | { error: [string, string] } {
  const item = body.item_id === undefined ? null : items.find((i) => i.item_id === body.item_id);
  if (type !== "clearance") {
    if (typeof body.item_id !== "string" || !body.item_id) return { error: ["item_id", "item_id is required"] };
    if (!item) return { error: ["item_id", `unknown item ${body.item_id}`] };
  }
  if (type === "pin" && !(Number.isInteger(body.position) && Number(body.position) >= 1)) return { error: ["position", "position must be an integer >= 1"] };
  if (["boost", "demote", "clearance"].includes(type) && !(Number(body.strength) > 0 && Number(body.strength) <= 1)) return { error: ["strength", "strength must be in (0, 1]"] };
  const rule: Json = { id: `r-${++ruleSeq}`, type, ...body, created_at: now(), created_by: actor, active: true };
  rules = [rule, ...rules];
  logAudit("rule.create", actor, { item_id: body.item_id, after: rule });
  return rule;
}

async function handle(req: IncomingMessage, res: ServerResponse, host: string): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://fixture");
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (path === "/.auth/me") {
    const r = role(req);
    send(res, 200, { clientPrincipal: r ? { userId: `dev-${r}`, userDetails: `${r}@example.in`, identityProvider: "dev", userRoles: ["anonymous", "authenticated", r] } : null });
    return true;
  }
  if (path === "/.auth/login/dev") {
    const r = url.searchParams.get("role") === "analyst" ? "analyst" : "admin";
    res.statusCode = 302;
    res.setHeader("set-cookie", `fixture_role=${r}; Path=/; SameSite=Lax`);
    res.setHeader("location", "/");
    res.end();
    return true;
  }
  if (path === `${HUB_PATH}/negotiate`) {
    const id = `c${Date.now()}${Math.floor(rand() * 1e6)}`;
    send(res, 200, { negotiateVersion: 1, connectionId: id, connectionToken: id, availableTransports: [{ transport: "WebSockets", transferFormats: ["Text", "Binary"] }] });
    return true;
  }
  if (!path.startsWith("/api/")) return false;
  const r = role(req);
  if (!r) return fail(res, 401, "unauthorized", "sign in first"), true;
  const actor = `${r}@example.in`;
  const isWrite = method !== "GET" && (path.startsWith("/api/rules") || path.startsWith("/api/stores") || path.startsWith("/api/catalogue"));
  if (isWrite && r !== "admin") return fail(res, 403, "forbidden", "the admin role is required to change rules and stores"), true;

  let match: RegExpExecArray | null;
  if (path === "/api/health") send(res, 200, { status: "ok", checks: { cosmos: "ok" }, dead_letters: 0 });
  else if (path === "/api/deadletters") send(res, 200, { count: 0, items: [] });
  else if (path === "/api/catalogue/unmatched") send(res, 200, { items: unmatched });
  else if ((match = /^\/api\/catalogue\/([^/]+)$/.exec(path)) && method === "PUT") {
    const id = decodeURIComponent(match[1]);
    const body = await readJson(req);
    if (!unmatched.some((u) => u.item_id === id)) return fail(res, 404, "not_found", `no listing ${id}`), true;
    if (!(Number(body.price) > 0)) return fail(res, 422, "validation_failed", "price must be greater than 0", "price"), true;
    unmatched = unmatched.filter((u) => u.item_id !== id);
    logAudit("catalogue.update", actor, { item_id: id, after: body });
    send(res, 200, { item_id: id, ...body });
  } else if ((match = /^\/api\/stores\/([^/]+)\/rotate-secret$/.exec(path)) && method === "POST") {
    const until = new Date(Date.now() + 86_400_000).toISOString();
    send(res, 200, { marketplace: match[1], secret: `fixture-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`, rotated_at: now(), previous_valid_until: until });
  }
  else if (path === "/api/negotiate" && method === "POST") send(res, 200, { url: `http://${host}${HUB_PATH}`, accessToken: "fixture-token" });
  else if (path === "/api/metrics") send(res, 200, metrics());
  else if (path === "/api/metrics/series") {
    const range = url.searchParams.get("range") ?? "hour";
    if (range !== "hour" && range !== "day") fail(res, 422, "invalid", "range must be hour or day", "range");
    else send(res, 200, series(range));
  } else if (path === "/api/rank" && method === "POST") {
    const body = await readJson(req);
    const q = String(body.q ?? "").toLowerCase();
    const list = ranked().filter((i) => (!body.category || i.category === body.category) && (!body.marketplace || i.marketplace === body.marketplace) && (!q || i.title.toLowerCase().includes(q) || i.item_id.toLowerCase().includes(q)));
    const offset = Number(body.offset ?? 0);
    const limit = Number(body.limit ?? 50);
    if (!(limit >= 1 && limit <= 500)) return fail(res, 422, "invalid", "limit must be between 1 and 500", "limit"), true;
    send(res, 200, { model_version: "fixture-1", as_of: now(), total: list.length, items: list.slice(offset, offset + limit).map(rankItem) });
  } else if ((match = /^\/api\/item\/([^/]+)$/.exec(path))) {
    const item = items.find((i) => i.item_id === decodeURIComponent(match![1]));
    if (!item) return fail(res, 404, "not_found", `no item ${match[1]}`), true;
    const c = (k: number) => ({ views: Math.round(40 * k * (1 + item.base)), clicks: Math.round(5 * k * (1 + item.base)), orders: Math.round(0.6 * k * (1 + item.base)), units: Math.round(0.7 * k * (1 + item.base)), revenue: Math.round(0.6 * k * (1 + item.base)) * item.price });
    send(res, 200, { ...rankItem(item), rating: item.rating, review_count: item.review_count, competitor_price: item.competitor_price, days_of_cover: item.stock / Math.max(0.5, 0.6 * 24 * (1 + item.base)), counters: { "1h": c(1), "24h": c(24), "7d": c(168) }, totals: c(2000), model_version: "fixture-1", last_event_at: item.last_event_at, rank_history: item.history });
  } else if ((match = /^\/api\/explain\/([^/]+)$/.exec(path))) {
    const item = items.find((i) => i.item_id === decodeURIComponent(match![1]));
    if (!item) return fail(res, 404, "not_found", `no item ${match[1]}`), true;
    const since = url.searchParams.get("since");
    if (since && rankedBy(item) !== "model") {
      const then = baselineParts(item, 0.5), now = baselineParts(item);
      const changes = now.map((p, k) => ({
        feature: p.part, value_then: then[k].value, value_now: p.value, contribution_then: then[k].contribution, contribution_now: p.contribution,
        delta: p.contribution - then[k].contribution, sentence: `${p.words} rose from ${then[k].value} to ${p.value}: +${(p.contribution - then[k].contribution).toFixed(2)}`,
      })).sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
      const sum = (list: { contribution: number }[]) => list.reduce((s, p) => s + p.contribution, 0);
      send(res, 200, { item_id: item.item_id, ranked_by: rankedBy(item), since, base_value: 0, reasons: changes.slice(0, 2).map((c) => c.sentence), changes, rank_then: item.rank + 2, rank_then_at: since, rank_now: item.rank, score_then: sum(then), score_now: sum(now) });
    } else if (since) {
      const changes = (explain(item).contributions as { feature: string; value: unknown; contribution: number }[]).map((c) => ({
        feature: c.feature, value_then: typeof c.value === "number" ? c.value : null, value_now: typeof c.value === "number" ? c.value : null,
        contribution_then: c.contribution / 2, contribution_now: c.contribution, delta: c.contribution / 2, sentence: `${c.feature} moved: ${(c.contribution / 2 >= 0 ? "+" : "") + (c.contribution / 2).toFixed(2)}`,
      }));
      send(res, 200, { item_id: item.item_id, ranked_by: "model", since, reasons: changes.slice(0, 3).map((c: { sentence: string }) => c.sentence), changes, rank_then: item.rank + 2, rank_then_at: since, rank_now: item.rank, score_then: item.score - 0.1, score_now: item.score });
    } else send(res, 200, explainAnswer(item));
  } else if (path === "/api/whatif/price" && method === "POST") {
    const body = await readJson(req);
    const item = items.find((i) => i.item_id === body.item_id);
    if (!item) return fail(res, 404, "not_found", `no item ${String(body.item_id)}`, "item_id"), true;
    const at = (price: number) => {
      const score = Math.max(0, item.score + (item.competitor_price - price) / price * 0.3 - (item.competitor_price - item.price) / item.price * 0.3);
      return { price, score, rank: 1 + items.filter((i) => i !== item && i.rank > 0 && i.score > score).length };
    };
    const current = { price: item.price, score: item.score, rank: item.rank };
    if (Array.isArray(body.prices)) send(res, 200, { item_id: item.item_id, current, curve: (body.prices as number[]).map(at) });
    else {
      const price = Number(body.new_price);
      if (!(price > 0)) return fail(res, 422, "invalid", "new_price must be a positive number", "new_price"), true;
      const predicted = at(price);
      const before = (item.competitor_price - item.price) / item.price * 0.3;
      const after = (item.competitor_price - price) / price * 0.3;
      send(res, 200, { item_id: item.item_id, current, predicted: { ...predicted, rank_change: current.rank - predicted.rank }, shap_change: [{ feature: "price_vs_competitor", before, after, delta: after - before }] });
    }
  } else if (path === "/api/rules" && method === "GET") send(res, 200, { rules: rules.map((rule) => ({ ...rule, active: activeRules().includes(rule) })) });
  else if ((match = /^\/api\/rules\/(pin|boost|demote|remove|boost-clearance)$/.exec(path)) && method === "POST") {
    const created = createRule(match[1] === "boost-clearance" ? "clearance" : match[1], await readJson(req), actor);
    if ("error" in created) return fail(res, 422, "invalid", (created.error as string[])[1], (created.error as string[])[0]), true;
    send(res, 201, created);
    rerank();
    broadcast("rules", { rules });
    broadcast("ranking", { model_version: "fixture-1", as_of: now(), items: ranked().slice(0, 50).map(rankItem) });
  } else if ((match = /^\/api\/rules\/([^/]+)$/.exec(path)) && method === "DELETE") {
    const rule = rules.find((x) => x.id === match![1]);
    if (!rule) return fail(res, 404, "not_found", `no rule ${match[1]}`), true;
    rules = rules.filter((x) => x !== rule);
    logAudit("rule.delete", actor, { item_id: rule.item_id, before: rule });
    send(res, 200, { deleted: rule.id });
    rerank();
    broadcast("rules", { rules });
  } else if (path === "/api/stores" && method === "GET") send(res, 200, storesPayload());
  else if ((match = /^\/api\/stores\/([^/]+)\/(connect|disconnect)$/.exec(path)) && method === "POST") {
    const store = stores.find((s) => s.marketplace === match![1]);
    if (!store) return fail(res, 404, "not_found", `unknown marketplace ${match[1]}`, "marketplace"), true;
    store.connected = match[2] === "connect";
    store.connected_at = store.connected ? now() : null;
    logAudit(`store.${match[2]}`, actor, { details: { marketplace: store.marketplace } });
    send(res, 200, storesPayload());
    broadcast("stores", storesPayload());
  } else if (path === "/api/audit") {
    const action = url.searchParams.get("action");
    const itemId = url.searchParams.get("item_id");
    const limit = Number(url.searchParams.get("limit") ?? 50);
    const start = Number(url.searchParams.get("continuation") ?? 0);
    const list = audit.filter((e) => (!action || e.action === action) && (!itemId || e.item_id === itemId));
    send(res, 200, { entries: list.slice(start, start + limit), continuation: start + limit < list.length ? String(start + limit) : null });
  } else fail(res, 404, "not_found", `no route ${method} ${path}`);
  return true;
}

export function fixtureApi(): Plugin {
  return {
    name: "resight-fixture-api",
    apply: "serve",
    configureServer(server) {
      rerank();
      const timer = setInterval(tick, 2_000);
      server.httpServer?.on("close", () => clearInterval(timer));
      const wss = new WebSocketServer({ noServer: true });
      server.httpServer?.on("upgrade", (req, socket, head) => {
        if (!req.url?.startsWith(HUB_PATH)) return;
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on("message", (data) => {
            for (const frame of data.toString().split(SEP).filter(Boolean)) {
              const message = JSON.parse(frame) as { protocol?: string; type?: number };
              if (message.protocol) {
                ws.send("{}" + SEP);
                sockets.add(ws);
              }
            }
          });
          const ping = setInterval(() => ws.send(JSON.stringify({ type: 6 }) + SEP), 10_000);
          ws.on("close", () => {
            clearInterval(ping);
            sockets.delete(ws);
          });
        });
      });
      server.middlewares.use((req, res, next) => {
        handle(req, res, req.headers.host ?? "127.0.0.1:5173").then((handled) => (handled ? undefined : next()), next);
      });
    },
  };
}
