import { describe, expect, it } from "vitest";
import { HIDDEN_GRACE_MS, resumeAction, tokenExpiry, tokenUsable } from "./resume";

describe("resumeAction", () => {
  it("reconnects a connection closed while hidden", () => {
    expect(resumeAction({ paused: true, hiddenAt: 0, now: 60_000 })).toBe("connect");
  });
  it("keeps a connection that was hidden only briefly", () => {
    expect(resumeAction({ paused: false, hiddenAt: 1_000, now: 1_000 + HIDDEN_GRACE_MS })).toBe("none");
    expect(resumeAction({ paused: false, hiddenAt: null, now: 5_000 })).toBe("none");
  });
  it("drops a connection that outlived the grace period frozen, backlog and all", () => {
    expect(resumeAction({ paused: false, hiddenAt: 1_000, now: 2_001 + HIDDEN_GRACE_MS })).toBe("restart");
    expect(resumeAction({ paused: false, hiddenAt: 0, now: 3_000, graceMs: 2_000 })).toBe("restart");
  });
});

describe("hub token reuse", () => {
  const jwt = (payload: object) => `e30.${btoa(JSON.stringify(payload)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}.sig`;
  it("reads the expiry of a JWT", () => {
    expect(tokenExpiry(jwt({ exp: 1_800_000_000, aud: "x" }))).toBe(1_800_000_000);
    expect(tokenExpiry("not a token")).toBeNull();
    expect(tokenExpiry(jwt({ aud: "x" }))).toBeNull();
  });
  it("reuses a token only while it has more than a minute left", () => {
    const token = jwt({ exp: 1_000 });
    expect(tokenUsable(token, 900_000)).toBe(true);
    expect(tokenUsable(token, 940_001)).toBe(false);
    expect(tokenUsable(null, 0)).toBe(false);
  });
});
