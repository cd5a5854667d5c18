import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { runAction, toApiError, type ActionState } from "./useAction";

function recorder() {
  const states: ActionState[] = [];
  return { states, set: (s: ActionState) => states.push(s) };
}

describe("runAction", () => {
  it("is busy while the call runs, then hands the answer over before it is idle", async () => {
    const { states, set } = recorder();
    const seen: string[] = [];
    const ok = await runAction(async () => "rule r1", set, (value) => seen.push(`${value} while busy=${states.at(-1)?.busy}`));
    expect(ok).toBe(true);
    expect(seen).toEqual(["rule r1 while busy=true"]);
    expect(states).toEqual([{ busy: true, error: null }, { busy: false, error: null }]);
  });

  it("keeps an API failure, and clears the last one when run again", async () => {
    const { states, set } = recorder();
    const failure = new ApiError("POST", "/api/demo/end", 409, "conflict", "already ended", null);
    expect(await runAction(async () => Promise.reject(failure), set)).toBe(false);
    expect(states.at(-1)).toEqual({ busy: false, error: failure });
    await runAction(async () => 1, set);
    expect(states.at(-2)).toEqual({ busy: true, error: null });
  });

  it("turns anything else thrown into an ApiError, a failing done included", async () => {
    const { states, set } = recorder();
    await runAction(async () => 1, set, () => {
      throw new Error("bad answer");
    });
    expect(states.at(-1)?.error?.message).toBe("bad answer");
    expect(toApiError("text", "GET", "/api/x").summary).toBe("GET /api/x → network error text");
  });

  it("counts an aborted call as no failure", async () => {
    const { states, set } = recorder();
    expect(await runAction(async () => Promise.reject(new DOMException("aborted", "AbortError")), set)).toBe(false);
    expect(states.at(-1)).toEqual({ busy: false, error: null });
  });

  it("lets the caller claim a failure (a 422 shown under its field)", async () => {
    const { states, set } = recorder();
    const failure = new ApiError("PUT", "/api/catalogue/x", 422, "invalid", "too long", "title");
    const claimed: string[] = [];
    await runAction(async () => Promise.reject(failure), set, undefined, (e) => {
      claimed.push(e.field ?? "");
      return e.status === 422;
    });
    expect(claimed).toEqual(["title"]);
    expect(states.at(-1)).toEqual({ busy: false, error: null });
  });
});
