import { Link, useLocation } from "react-router";
import { api } from "../../api/client";
import { int } from "../../lib/format";
import { useApi } from "../../lib/useApi";
import { useLive } from "../../live/LiveProvider";
import { WarnIcon } from "../../ui/Badges";
import { DemoBanner } from "../demo/DemoBanner";
import { QualityAlert } from "../quality/QualityAlert";

const HEALTH_EVERY_MS = 60_000;

/** Under the header on every page: demo data, dead letters, and a critical data-quality result. */
export function SystemAlerts() {
  return (
    <>
      <DemoBanner />
      <DeadLetterAlert />
      <QualityAlert />
    </>
  );
}

/**
 * Items whose events could not be projected (dead letters), in words and with an icon,
 * linking to the list and the replay command.
 */
function DeadLetterAlert() {
  const connects = useLive((s) => s.connects);
  const location = useLocation();
  // After a reconnection, and on every page change (coming back from the dead-letter page after
  // a replay), look again.
  const health = useApi((signal) => api.health(signal), [], { every: HEALTH_EVERY_MS, refreshOn: [connects, location.pathname] });

  const count = health.data?.dead_letters ?? 0;
  if (count <= 0 || location.pathname === "/deadletters") return null;
  return (
    <div className="alert-bar" role="status" data-testid="deadletters-alert" data-count={count}>
      <WarnIcon />
      <span>
        {count === 1 ? "1 item's events could not be projected" : `${int(count)} items' events could not be projected`}
        {" "}(dead letters).
      </span>
      <Link to="/deadletters" data-testid="deadletters-link">See them and how to replay</Link>
    </div>
  );
}
