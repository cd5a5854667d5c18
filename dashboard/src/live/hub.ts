import { HubConnectionBuilder, LogLevel, type HubConnection } from "@microsoft/signalr";
import { api } from "../api/client";
import { HIDDEN_GRACE_MS, resumeAction, tokenUsable } from "./resume";
import { applyMessage, HUB_TARGETS, withConnection, type LiveStore } from "./state";

// Never give up: a dashboard left open all day must come back by itself after any outage.
const RETRY_MS = [0, 2_000, 5_000, 10_000, 15_000, 30_000];
const retryDelay = (attempt: number) => RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];

/**
 * Connect to the "resight" hub through /api/negotiate and feed every message into the store.
 * The access token lives about an hour: it is reused while it has a minute left, then renewed
 * through /api/negotiate, so an expired token is never sent.
 *
 * On a phone: a page hidden for longer than HIDDEN_GRACE_MS closes its connection; when it is
 * visible again it opens one new connection, and the pages refetch once (see resume.ts). Messages
 * from a connection the app has dropped are never applied, so a backlog is never replayed.
 * Returns a function that stops the connection for good.
 */
export function startHub(store: LiveStore): () => void {
  let stopped = false;
  let paused = false;
  let connection: HubConnection | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let hideTimer: ReturnType<typeof setTimeout> | undefined;
  let hiddenAt: number | null = document.visibilityState === "hidden" ? Date.now() : null;
  let attempt = 0;

  const schedule = () => {
    if (stopped || paused) return;
    store.update((s) => withConnection(s, "disconnected"));
    clearTimeout(timer);
    timer = setTimeout(connect, retryDelay(attempt++));
  };

  /** Forget the current connection: its late messages and its close are ignored from now on. */
  const drop = () => {
    const old = connection;
    connection = null;
    clearTimeout(timer);
    if (old) void old.stop().catch(() => undefined);
  };

  const connect = async () => {
    if (stopped || paused) return;
    let built: HubConnection | null = null;
    try {
      const first = await api.negotiate();
      if (stopped || paused) return;
      // The client asks for the token more than once per connection (service negotiate, then
      // the WebSocket): reuse it while it is valid, negotiate again only when it is about to expire.
      let token: string | null = first.accessToken;
      const hub = new HubConnectionBuilder()
        .withUrl(first.url, {
          accessTokenFactory: async () => {
            if (!tokenUsable(token, Date.now())) token = (await api.negotiate()).accessToken;
            return token;
          },
        })
        .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => retryDelay(ctx.previousRetryCount) })
        .configureLogging(LogLevel.Warning)
        .build();
      built = hub;
      for (const target of HUB_TARGETS) {
        hub.on(target, (payload: unknown) => {
          if (connection === hub) store.update((s) => applyMessage(s, target, payload));
        });
      }
      hub.onreconnecting(() => {
        if (connection === hub) store.update((s) => withConnection(s, "reconnecting"));
      });
      hub.onreconnected(() => {
        if (connection === hub) store.update((s) => withConnection(s, "connected"));
      });
      hub.onclose(() => {
        if (connection !== hub) return;
        connection = null;
        schedule();
      });
      connection = hub;
      await hub.start();
      if (connection !== hub) {
        await hub.stop();
        return;
      }
      attempt = 0;
      store.update((s) => withConnection(s, "connected"));
    } catch {
      if (built !== null && connection !== built) return; // dropped while starting
      connection = null;
      schedule();
    }
  };

  const pause = () => {
    if (stopped || paused) return;
    paused = true;
    drop();
    store.update((s) => withConnection(s, "disconnected"));
  };

  const restart = () => {
    paused = false;
    drop();
    attempt = 0;
    store.update((s) => withConnection(s, "reconnecting"));
    void connect();
  };

  const onVisibility = () => {
    if (stopped) return;
    if (document.visibilityState === "hidden") {
      hiddenAt = Date.now();
      clearTimeout(hideTimer);
      hideTimer = setTimeout(pause, HIDDEN_GRACE_MS);
      return;
    }
    clearTimeout(hideTimer);
    const action = resumeAction({ paused, hiddenAt, now: Date.now() });
    hiddenAt = null;
    if (action !== "none") restart();
  };

  // Back online (a phone leaving a tunnel): retry now instead of waiting for the back-off.
  const onOnline = () => {
    if (!stopped && !paused && connection === null) {
      attempt = 0;
      clearTimeout(timer);
      void connect();
    }
  };

  document.addEventListener("visibilitychange", onVisibility);
  // Page Lifecycle: a frozen page is about to stop running; close the connection before it does.
  document.addEventListener("freeze", pause);
  document.addEventListener("resume", onVisibility);
  window.addEventListener("online", onOnline);
  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(hideTimer);
    document.removeEventListener("visibilitychange", onVisibility);
    document.removeEventListener("freeze", pause);
    document.removeEventListener("resume", onVisibility);
    window.removeEventListener("online", onOnline);
    drop();
  };
}
