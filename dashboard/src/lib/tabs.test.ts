import { describe, expect, it } from "vitest";
import { tabKeyTarget } from "./tabs";

describe("tab keys", () => {
  it("moves with the arrows and wraps around", () => {
    expect(tabKeyTarget("ArrowRight", 0, 3)).toBe(1);
    expect(tabKeyTarget("ArrowDown", 2, 3)).toBe(0);
    expect(tabKeyTarget("ArrowLeft", 0, 3)).toBe(2);
    expect(tabKeyTarget("ArrowUp", 1, 3)).toBe(0);
  });
  it("jumps with Home and End, ignores other keys", () => {
    expect(tabKeyTarget("Home", 2, 3)).toBe(0);
    expect(tabKeyTarget("End", 0, 3)).toBe(2);
    expect(tabKeyTarget("Enter", 1, 3)).toBeNull();
  });
});
