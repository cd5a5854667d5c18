import { useEffect, useRef, useState } from "react";
import { NavLink, useLocation } from "react-router";
import type { ClientPrincipal } from "../../api/types";
import { isLocalHost, roleOf } from "../../lib/auth";
import { indicatorFor } from "../../lib/indicator";
import { useLive } from "../../live/LiveProvider";

const NAV = [
  { to: "/", label: "Overview", id: "overview" },
  { to: "/rankings", label: "Rankings", id: "rankings" },
  { to: "/whatif", label: "What-if", id: "whatif" },
  { to: "/analytics", label: "Analytics", id: "analytics" },
  { to: "/analyst", label: "Analyst", id: "analyst" },
  { to: "/inventory", label: "Inventory", id: "inventory" },
  { to: "/alerts", label: "Alerts", id: "alerts" },
  { to: "/rules", label: "Rules", id: "rules" },
  { to: "/catalogue/unmatched", label: "Unmatched", id: "unmatched" },
  { to: "/stores", label: "Stores", id: "stores" },
  { to: "/imports", label: "Imports", id: "imports" },
  { to: "/quality", label: "Data quality", id: "quality" },
  { to: "/audit", label: "Audit log", id: "audit" },
];

export function Header({ principal }: { principal: ClientPrincipal }) {
  const connection = useLive((s) => s.connection);
  const stores = useLive((s) => s.stores);
  const mode = useLive((s) => s.metrics?.mode ?? null);
  const indicator = indicatorFor(connection, stores, mode);
  const role = roleOf(principal);
  const local = isLocalHost(window.location.hostname);

  // Small screens: the navigation is a menu behind a button; it closes on navigation and Escape.
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const location = useLocation();
  useEffect(() => setOpen(false), [location.pathname, location.search]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setOpen(false);
        toggle.current?.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  return (
    <header className={`topbar ${open ? "menu-open" : ""}`}>
      <div className="brand">
        <svg width="22" height="22" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
          <rect width="16" height="16" rx="3" fill="#0f5ef7" />
          <path d="M4 11l3-3 2 2 3-4" stroke="white" strokeWidth="1.6" fill="none" />
        </svg>
        <span>ReSight</span>
      </div>
      <button
        ref={toggle}
        type="button"
        className="menu-toggle"
        aria-expanded={open}
        aria-controls="main-menu"
        onClick={() => setOpen((o) => !o)}
        data-testid="nav-toggle"
      >
        <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
          {open ? <path d="M5 5l10 10M15 5L5 15" stroke="currentColor" strokeWidth="2" /> : <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" strokeWidth="2" />}
        </svg>
        <span>Menu</span>
      </button>
      <div className="menu-panel" id="main-menu" data-testid="nav-menu">
        <nav className="nav" aria-label="Main">
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.to === "/"} data-testid={`nav-${item.id}`} className={({ isActive }) => (isActive ? "active" : "")} onClick={() => setOpen(false)}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="menu-account">
          <span className="menu-user">Signed in as {principal.userDetails}</span>
          {local ? (
            <span className="role-switch">
              <span>Switch to</span>
              {(["admin", "analyst"] as const).map((r) => (
                <a key={r} href={`/.auth/login/dev?role=${r}`} className={r === role ? "current" : ""} aria-current={r === role ? "true" : undefined} data-testid={`role-switch-${r}`}>
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
      </div>
      <div className="topbar-right">
        <span className={`indicator indicator-${indicator.kind}`} data-testid="conn-indicator" data-state={indicator.kind} title={indicator.detail} role="status">
          <span className="dot" aria-hidden="true" />
          {indicator.label}
        </span>
        <span className="user" title={principal.userDetails}>
          <span className="user-name">{principal.userDetails}</span>
          <span className={`role role-${role}`} data-testid="user-role">
            {role}
          </span>
        </span>
      </div>
    </header>
  );
}
