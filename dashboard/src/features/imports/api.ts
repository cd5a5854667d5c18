// The Imports page's calls for order exports: the preview (multipart), the presets, and the upload
// of a file with a preset named.
import { ApiError, errorFromText, request } from "../../api/client";
import type { ImportJob } from "../../api/types";
import type { ExportPreview, Preset, PresetBody } from "./mapping";

/** An import as the API answers it; an order export names the preset it is imported with. */
export type ImportDoc = ImportJob & { preset?: string | null };

/** POST /api/imports/preview: the header, the first 20 rows and the guesses; nothing is stored. */
export async function previewExport(file: File, signal?: AbortSignal): Promise<ExportPreview> {
  const path = "/api/imports/preview";
  const form = new FormData();
  form.append("file", file, file.name);
  let response: Response;
  try {
    response = await fetch(path, { method: "POST", body: form, credentials: "same-origin", headers: { accept: "application/json" }, signal });
  } catch (exc) {
    if (exc instanceof DOMException && exc.name === "AbortError") throw exc;
    throw new ApiError("POST", path, 0, null, exc instanceof Error ? exc.message : String(exc), null);
  }
  if (!response.ok) throw errorFromText("POST", path, response.status, response.statusText, await response.text().catch(() => ""));
  return (await response.json()) as ExportPreview;
}

export const presetsApi = {
  get: (id: string, signal?: AbortSignal) => request<Preset>("GET", `/api/import-presets/${encodeURIComponent(id)}`, undefined, signal),
  create: (body: PresetBody) => request<Preset>("POST", "/api/import-presets", body),
  replace: (id: string, body: PresetBody) => request<Preset>("PUT", `/api/import-presets/${encodeURIComponent(id)}`, body),
};

interface Reservation {
  import: ImportDoc;
  upload: { method: string; url: string; headers: Record<string, string>; expires_at: string };
}

/**
 * As api/client's uploadImport (reserve, then the file straight to Blob with its progress), with
 * the order-export preset named in the reservation.
 */
export async function uploadWithPreset(
  file: File,
  options: { preset: string; strict: boolean },
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<ImportDoc> {
  const reserved = await request<Reservation>(
    "POST",
    "/api/imports/uploads",
    { name: file.name, size: file.size, kind: "orders", strict: options.strict, preset: options.preset },
    signal,
  );
  const link = reserved.upload;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(link.method, link.url);
    for (const [name, value] of Object.entries(link.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(reserved.import);
      else {
        const expired = xhr.status === 403;
        const message = expired ? "the upload link was refused or has expired; upload the file again" : `file storage refused the upload (${xhr.status} ${xhr.statusText})`;
        reject(new ApiError("PUT", "file storage", xhr.status, null, message, null));
      }
    };
    xhr.onerror = () => reject(new ApiError("PUT", "file storage", 0, null, "the upload could not reach file storage", null));
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
