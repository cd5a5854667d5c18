import { NavLink } from "react-router";
import type { ClientPrincipal } from "../api/types";
import { isLocalHost, roleOf } from "../lib/auth";
import { indicatorFor } from "../lib/indicator";
import { useLive } from "../live/LiveProvider";

const NAV = [
  { to: "/", label: "Overview", id: "overview" },
  { to: "/rankings", label: "Rankings", id: "rankings" },
  { to: "/whatif", label: "What-if", id: "whatif" },
  { to: "/rules", label: "Rules", id: "rules" },
  { to: "/stores", label: "Stores", id: "stores" },
  { to: "/audit", label: "Audit log", id: "audit" },
];

export function Header({ principal }: { principal: ClientPrincipal }) {
  const connection = useLive((s) => s.connection);
  const stores = useLive((s) => s.stores);
  const mode = useLive((s) => s.metrics?.mode ?? null);
  const indicator = indicatorFor(connection, stores, mode);
  const role = roleOf(principal);
  const local = isLocalHost(window.location.hostname);

  return (
    <header className="topbar">
      <div className="brand">
        <svg width="22" height="22" viewBox="0 0 16 16" aria-hidden>
          <rect width="16" height="16" rx="3" fill="#0f5ef7" />
          <path d="M4 11l3-3 2 2 3-4" stroke="white" strokeWidth="1.6" fill="none" />
        </svg>
        <span>ReSight</span>
      </div>
      <nav className="nav" aria-label="Main">
        {NAV.map((item) => (
          <NavLink key={item.to} to={item.to} end={item.to === "/"} data-testid={`nav-${item.id}`} className={({ isActive }) => (isActive ? "active" : "")}>
            {item.label}
          </NavLink>
        ))}
      </nav>
      <div className="topbar-right">
        <span className={`indicator indicator-${indicator.kind}`} data-testid="conn-indicator" data-state={indicator.kind} title={indicator.detail}>
          <span className="dot" aria-hidden />
          {indicator.label}
        </span>
        <span className="user" title={principal.userDetails}>
          <span className="user-name">{principal.userDetails}</span>
          <span className={`role role-${role}`} data-testid="user-role">
            {role}
          </span>
        </span>
        {local ? (
          <span className="role-switch" title="Local sign-in: switch role">
            Switch to
            {(["admin", "analyst"] as const).map((r) => (
              <a key={r} href={`/.auth/login/dev?role=${r}`} className={r === role ? "current" : ""} data-testid={`role-switch-${r}`}>
                {r}
              </a>
            ))}
          </span>
        ) : (
          <a className="signout" href="/.auth/logout?post_logout_redirect_uri=/" data-testid="sign-out">
            Sign out
          </a>
        )}
      </div>
    </header>
  );
}
