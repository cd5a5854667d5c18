import type { ClientPrincipal } from "../api/types";

export type Role = "admin" | "analyst" | "viewer";

/** The strongest role the principal holds; Static Web Apps lists custom roles beside "authenticated". */
export function roleOf(principal: ClientPrincipal | null): Role | null {
  if (!principal) return null;
  if (principal.userRoles.includes("admin")) return "admin";
  if (principal.userRoles.includes("analyst")) return "analyst";
  return "viewer";
}

/** Locally devhost stands in for Static Web Apps auth and lets the user switch role. */
export function isLocalHost(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}
