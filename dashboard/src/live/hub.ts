import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from "@microsoft/signalr";
import { api } from "../api/client";
import { applyMessage, HUB_TARGETS, withConnection, type LiveStore } from "./state";

// Never give up: a dashboard left open all day must come back by itself after any outage.
const RETRY_MS = [0, 2_000, 5_000, 10_000, 15_000, 30_000];
const retryDelay = (attempt: number) => RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];

/**
 * Connect to the "resight" hub through /api/negotiate and feed every message into the store.
 * The access token lives about an hour, so every later (re)connection negotiates a fresh one.
 * Returns a function that stops the connection for good.
 */
export function startHub(store: LiveStore): () => void {
  let stopped = false;
  let connection: HubConnection | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;

  const schedule = () => {
    if (stopped) return;
    store.update((s) => withConnection(s, "disconnected"));
    timer = setTimeout(connect, retryDelay(attempt++));
  };

  const connect = async () => {
    try {
      const first = await api.negotiate();
      let token: string | null = first.accessToken;
      const built = new HubConnectionBuilder()
        .withUrl(first.url, {
          accessTokenFactory: async () => {
            if (token) {
              const fresh = token;
              token = null;
              return fresh;
            }
            return (await api.negotiate()).accessToken;
          },
        })
        .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => retryDelay(ctx.previousRetryCount) })
        .configureLogging(LogLevel.Warning)
        .build();
      for (const target of HUB_TARGETS) {
        built.on(target, (payload: unknown) => store.update((s) => applyMessage(s, target, payload)));
      }
      built.onreconnecting(() => store.update((s) => withConnection(s, "reconnecting")));
      built.onreconnected(() => store.update((s) => withConnection(s, "connected")));
      built.onclose(() => {
        if (connection === built) connection = null;
        schedule();
      });
      connection = built;
      await built.start();
      if (stopped) {
        await built.stop();
        return;
      }
      attempt = 0;
      store.update((s) => withConnection(s, "connected"));
    } catch {
      if (connection && connection.state !== HubConnectionState.Disconnected) return;
      connection = null;
      schedule();
    }
  };

  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    void connection?.stop();
  };
}
