import { lazy, Suspense } from "react";
import { BrowserRouter, Route, Routes, Link } from "react-router";
import { api } from "./api/client";
import type { ClientPrincipal } from "./api/types";
import { Header } from "./features/shell/Header";
import { ErrorBox, Loading } from "./ui/Status";
import { isLocalHost, roleOf } from "./lib/auth";
import { RoleContext } from "./lib/role";
import { useApi } from "./lib/useApi";
import { LiveProvider } from "./live/LiveProvider";
import { SystemAlerts } from "./features/shell/SystemAlerts";
import { AuditPage } from "./features/audit/Audit";
import { DeadLettersPage } from "./features/deadletters/DeadLetters";
import { ImportsPage } from "./features/imports/Imports";
import { QualityPage } from "./features/quality/Quality";
import { UnmatchedPage } from "./features/catalogue/Unmatched";
import { ItemPage } from "./features/items/Item";
import { OverviewPage } from "./features/overview/Overview";
import { RankingsPage } from "./features/rankings/Rankings";
import { RulesPage } from "./features/rules/Rules";
import { StoresPage } from "./features/stores/Stores";
import { WhatIfPage } from "./features/items/WhatIf";

// The lake's pages load on first visit: their code stays out of the first download.
const AnalyticsPage = lazy(() => import("./features/analytics/Analytics"));
const AnalystPage = lazy(() => import("./features/analytics/Analyst"));
// So do the inventory and alerts pages.
const StoreDangerPage = lazy(() => import("./features/inventory/StoreDanger").then((m) => ({ default: m.StoreDangerPage })));
const InventorySearchPage = lazy(() => import("./features/inventory/InventorySearch").then((m) => ({ default: m.InventorySearchPage })));
const ProductPage = lazy(() => import("./features/inventory/Product").then((m) => ({ default: m.ProductPage })));
const AlertsPage = lazy(() => import("./features/alerts/Alerts").then((m) => ({ default: m.AlertsPage })));

function SignIn() {
  const local = isLocalHost(window.location.hostname);
  return (
    <div className="signin" data-testid="signin-page">
      <h1>ReSight</h1>
      <p>Sign in to see your live marketplace performance.</p>
      {local ? (
        <p className="signin-links">
          <a className="btn btn-primary" href="/.auth/login/dev?role=admin" data-testid="signin-admin">Sign in as admin</a>
          <a className="btn" href="/.auth/login/dev?role=analyst" data-testid="signin-analyst">Sign in as analyst</a>
        </p>
      ) : (
        <a className="btn btn-primary" href="/.auth/login/github?post_login_redirect_uri=/" data-testid="signin-github">Sign in with GitHub</a>
      )}
    </div>
  );
}

function NotFound() {
  return (
    <div className="page" data-testid="not-found">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </div>
  );
}

function Shell({ principal }: { principal: ClientPrincipal }) {
  return (
    <RoleContext.Provider value={roleOf(principal) ?? "viewer"}>
      <LiveProvider>
        <a className="skip-link" href="#main" data-testid="skip-link">Skip to content</a>
        <Header principal={principal} />
        <main className="main" id="main" tabIndex={-1}>
          <SystemAlerts />
          <Routes>
            <Route path="/" element={<OverviewPage />} />
            <Route path="/rankings" element={<RankingsPage />} />
            <Route path="/item/:id" element={<ItemPage />} />
            <Route path="/whatif" element={<WhatIfPage />} />
            <Route path="/rules" element={<RulesPage />} />
            <Route path="/stores" element={<StoresPage />} />
            <Route path="/audit" element={<AuditPage />} />
            <Route path="/catalogue/unmatched" element={<UnmatchedPage />} />
            <Route path="/deadletters" element={<DeadLettersPage />} />
            <Route path="/imports" element={<ImportsPage />} />
            <Route path="/quality" element={<QualityPage />} />
            <Route path="/analytics" element={<Suspense fallback={<Loading />}><AnalyticsPage /></Suspense>} />
            <Route path="/analyst" element={<Suspense fallback={<Loading />}><AnalystPage /></Suspense>} />
            <Route path="/inventory" element={<Suspense fallback={<Loading />}><StoreDangerPage /></Suspense>} />
            <Route path="/inventory/search" element={<Suspense fallback={<Loading />}><InventorySearchPage /></Suspense>} />
            <Route path="/inventory/item/:id" element={<Suspense fallback={<Loading />}><ProductPage /></Suspense>} />
            <Route path="/alerts" element={<Suspense fallback={<Loading />}><AlertsPage /></Suspense>} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </main>
      </LiveProvider>
    </RoleContext.Provider>
  );
}

export function App() {
  const me = useApi((signal) => api.me(signal), []);
  let body;
  if (me.error) body = <div className="page"><ErrorBox error={me.error} onRetry={me.reload} /></div>;
  else if (me.loading && me.data === null) body = <Loading label="Signing in…" />;
  else if (!me.data) body = <SignIn />;
  else body = <Shell principal={me.data} />;
  // URL changes are urgent updates, not transitions: filters live in the URL, and a checkbox
  // bound to it must show its new state as it is clicked (in a transition React puts the old
  // state back until the transition commits, which on a busy device reads as a lost click).
  return <BrowserRouter useTransitions={false}>{body}</BrowserRouter>;
}
