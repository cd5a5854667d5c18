import { createContext, useContext } from "react";
import type { Role } from "./auth";

export const RoleContext = createContext<Role>("viewer");

/** The signed-in role; only admins see controls that change rules and stores. */
export function useRole(): { role: Role; isAdmin: boolean } {
  const role = useContext(RoleContext);
  return { role, isAdmin: role === "admin" };
}
