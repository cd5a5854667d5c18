import type { Mode, StoresPayload } from "../api/types";

/** The SignalR client's state, as the app tracks it. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

export type Indicator = { kind: "live" | "mock" | "reconnecting" | "connecting"; label: string; detail: string };

/**
 * What the header shows. Live needs both a connected hub and a connected store; with the hub up
 * but no store sending, the header says so (the demo, if one runs, has its own banner). `mode` is the server's own word
 * (from /api/metrics or a kpis message) when the stores list has not arrived yet.
 */
export function indicatorFor(state: ConnectionState, stores: StoresPayload | null, mode: Mode | null): Indicator {
  if (state === "connecting") return { kind: "connecting", label: "Connecting", detail: "Opening the live connection" };
  if (state !== "connected") return { kind: "reconnecting", label: "Reconnecting", detail: "Live updates paused; retrying" };
  const connected = stores ? stores.stores.filter((store) => store.connected) : null;
  const isLive = connected ? connected.length > 0 && stores?.mode !== "mock" : mode === "live";
  if (isLive) {
    const names = connected?.map((store) => store.display_name).join(", ");
    return { kind: "live", label: "Live", detail: names ? `Streaming from ${names}` : "Streaming from connected stores" };
  }
  // "Idle", not "Mock": a seller's own data stays on screen when their stores go quiet (the demo,
  // when it is what the pages show, has its own banner).
  return { kind: "mock", label: "Idle", detail: "No store has sent events in the last 2 minutes" };
}
