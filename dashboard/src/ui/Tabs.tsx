import { useRef, type KeyboardEvent, type ReactNode } from "react";
import { tabKeyTarget } from "../lib/tabs";

export interface Tab {
  id: string;
  label: string;
}

/**
 * The ARIA tabs pattern: one Tab stop (roving tabindex), arrows move and select, Home/End jump;
 * the panel is labelled by its tab. `idPrefix` keeps the ids unique on the page.
 */
export function Tabs({ tabs, selected, onSelect, label, idPrefix, children }: { tabs: Tab[]; selected: string; onSelect: (id: string) => void; label: string; idPrefix: string; children: ReactNode }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const target = tabKeyTarget(e.key, index, tabs.length);
    if (target === null) return;
    e.preventDefault();
    onSelect(tabs[target].id);
    refs.current[target]?.focus();
  };
  return (
    <>
      <div className="segmented tabs" role="tablist" aria-label={label}>
        {tabs.map((t, index) => {
          const on = t.id === selected;
          return (
            <button
              key={t.id}
              ref={(el) => {
                refs.current[index] = el;
              }}
              type="button"
              role="tab"
              id={`${idPrefix}-tab-${t.id}`}
              aria-selected={on}
              aria-controls={`${idPrefix}-panel`}
              tabIndex={on ? 0 : -1}
              className={on ? "on" : ""}
              onClick={() => onSelect(t.id)}
              onKeyDown={(e) => onKey(e, index)}
              data-testid={`${idPrefix}-tab-${t.id}`}
            >
              {t.label}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id={`${idPrefix}-panel`} aria-labelledby={`${idPrefix}-tab-${selected}`} data-testid={`${idPrefix}-panel`} data-tab={selected} tabIndex={0} className="tab-panel">
        {children}
      </div>
    </>
  );
}
