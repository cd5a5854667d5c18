import { useEffect, useState } from "react";

/**
 * Copies `text` to the clipboard. Where the browser refuses (no permission, an insecure origin),
 * it says so and the text stays selectable next to the button.
 */
export function CopyButton({ text, label = "Copy", testId }: { text: string; label?: string; testId: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 4000);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  };
  return (
    <span className="copy">
      <button type="button" className="btn btn-small" onClick={() => void copy()} data-testid={testId}>
        {label}
      </button>
      <span className="small muted" role="status" data-testid={`${testId}-status`}>
        {state === "copied" ? "Copied" : state === "failed" ? "Could not copy: select the text and copy it" : ""}
      </span>
    </span>
  );
}
