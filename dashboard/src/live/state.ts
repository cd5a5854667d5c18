import type { Dataset, DemoPayload, LiveEvent, Metrics, ModelMessage, RankingMessage, Rule, StoresPayload } from "../api/types";
import type { ConnectionState } from "../lib/indicator";
import { pushEvent } from "../lib/ticker";

/** Everything the hub has told us, plus the connection's own state. */
export interface LiveState {
  connection: ConnectionState;
  /** Bumped each time the hub (re)connects, so pages can refetch what they may have missed. */
  connects: number;
  metrics: Metrics | null;
  /** Bumped per kpis message; the overview throttles its chart refetch on it. */
  kpisSeq: number;
  ranking: RankingMessage | null;
  events: LiveEvent[];
  rules: Rule[] | null;
  rulesSeq: number;
  stores: StoresPayload | null;
  model: ModelMessage | null;
  /** The demo's state, from GET /api/demo, its actions and "demo" messages. */
  demo: DemoPayload | null;
  /** The data answers are computed from right now, from the demo state or the latest answer's header. */
  dataset: Dataset | null;
}

export const initialLiveState: LiveState = {
  connection: "connecting",
  connects: 0,
  metrics: null,
  kpisSeq: 0,
  ranking: null,
  events: [],
  rules: null,
  rulesSeq: 0,
  stores: null,
  model: null,
  demo: null,
  dataset: null,
};

export const HUB_TARGETS = ["kpis", "ranking", "event", "rules", "stores", "model", "demo"] as const;
export type HubTarget = (typeof HUB_TARGETS)[number];

function newer(current: { as_of: string } | null, incoming: { as_of: string }): boolean {
  return !current || Date.parse(incoming.as_of) >= Date.parse(current.as_of);
}

/** Apply one hub message. Stale snapshots (older as_of than what we hold) are ignored. */
export function applyMessage(state: LiveState, target: HubTarget, payload: unknown): LiveState {
  switch (target) {
    case "kpis": {
      const metrics = payload as Metrics;
      if (!newer(state.metrics, metrics)) return state;
      return { ...state, metrics, kpisSeq: state.kpisSeq + 1 };
    }
    case "ranking": {
      const ranking = payload as RankingMessage;
      return newer(state.ranking, ranking) ? { ...state, ranking } : state;
    }
    case "event": {
      const events = pushEvent(state.events, payload as LiveEvent);
      return events === state.events ? state : { ...state, events };
    }
    case "rules":
      return { ...state, rules: (payload as { rules: Rule[] }).rules, rulesSeq: state.rulesSeq + 1 };
    case "stores":
      return { ...state, stores: payload as StoresPayload };
    case "model":
      return { ...state, model: payload as ModelMessage };
    case "demo": {
      const demo = demoPayloadOf(payload);
      return demo ? { ...state, demo, dataset: demo.dataset } : state;
    }
  }
}

/** A demo body as the API sends it, or null for anything else (never trust a message's shape). */
export function demoPayloadOf(payload: unknown): DemoPayload | null {
  if (!payload || typeof payload !== "object") return null;
  const { dataset, demo } = payload as Partial<DemoPayload>;
  if (dataset !== "demo" && dataset !== "seller") return null;
  if (!demo || typeof demo !== "object" || !["running", "ended", "off"].includes(demo.state)) return null;
  return payload as DemoPayload;
}

/** The dataset an API answer's header named: the latest word wins. */
export function withDataset(state: LiveState, dataset: Dataset): LiveState {
  return state.dataset === dataset ? state : { ...state, dataset };
}

export function withConnection(state: LiveState, connection: ConnectionState): LiveState {
  if (state.connection === connection) return state;
  const connects = connection === "connected" ? state.connects + 1 : state.connects;
  return { ...state, connection, connects };
}

/** A tiny external store for useSyncExternalStore. */
export class LiveStore {
  private state: LiveState = initialLiveState;
  private listeners = new Set<() => void>();

  getState = (): LiveState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  update(change: (state: LiveState) => LiveState): void {
    const next = change(this.state);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}
