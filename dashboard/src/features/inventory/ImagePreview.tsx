import { useEffect, useRef, useState, type MouseEvent } from "react";

/**
 * A product thumbnail that opens a larger preview. The preview is a modal <dialog>: the
 * browser keeps focus inside it and Esc closes it; a click on the backdrop (outside the
 * picture) or the close button closes it too, and focus returns to the thumbnail.
 */
export function Thumbnail({ src, title, testId = "thumb" }: { src: string; title: string; testId?: string }) {
  const [open, setOpen] = useState(false);
  const [broken, setBroken] = useState(false);
  if (broken) {
    return (
      <span className="thumb thumb-missing" data-testid={`${testId}-missing`} title="The image could not be loaded">
        No image
      </span>
    );
  }
  return (
    <>
      <button type="button" className="thumb" onClick={() => setOpen(true)} aria-haspopup="dialog" data-testid={testId}>
        <img src={src} alt="" width={44} height={44} loading="lazy" onError={() => setBroken(true)} />
        <span className="visually-hidden">Preview the image of {title}</span>
      </button>
      {open ? <ImagePreview src={src} title={title} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

export function ImagePreview({ src, title, onClose }: { src: string; title: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    el.showModal();
    // Esc: the dialog's cancel event; the parent unmounts it, so nothing else may close it.
    const onCancel = (e: Event) => {
      e.preventDefault();
      closeRef.current();
    };
    el.addEventListener("cancel", onCancel);
    return () => {
      el.removeEventListener("cancel", onCancel);
      if (el.open) el.close();
      opener?.focus();
    };
  }, []);

  // The dialog box is the picture's frame; a click that lands on the dialog itself is on the backdrop.
  const onClick = (e: MouseEvent<HTMLDialogElement>) => {
    if (e.target === e.currentTarget) onClose();
  };

  return (
    <dialog ref={dialog} className="preview" aria-label={`Image of ${title}`} onClick={onClick} data-testid="image-preview">
      <div className="preview-body">
        <div className="preview-head">
          <h2 className="preview-title">{title}</h2>
          <button type="button" className="btn" onClick={onClose} autoFocus data-testid="image-preview-close">
            Close<span className="visually-hidden"> the preview</span>
          </button>
        </div>
        <img className="preview-image" src={src} alt={title} data-testid="image-preview-img" />
      </div>
    </dialog>
  );
}
