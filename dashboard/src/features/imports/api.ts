// The Imports page's calls for order exports: the preview (multipart), the presets, and the upload
// of a file with a preset named.
import { ApiError, errorFromText, request, uploadImport } from "../../api/client";
import type { ImportJob } from "../../api/types";
import type { ExportPreview, Preset, PresetBody } from "./mapping";
import type { ListedPreset } from "./presets";

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
  list: (signal?: AbortSignal) => request<{ presets: ListedPreset[] }>("GET", "/api/import-presets", undefined, signal),
  get: (id: string, signal?: AbortSignal) => request<Preset>("GET", `/api/import-presets/${encodeURIComponent(id)}`, undefined, signal),
  create: (body: PresetBody) => request<Preset>("POST", "/api/import-presets", body),
  replace: (id: string, body: PresetBody) => request<Preset>("PUT", `/api/import-presets/${encodeURIComponent(id)}`, body),
  remove: (id: string) => request<{ deleted: string }>("DELETE", `/api/import-presets/${encodeURIComponent(id)}`),
};

/** The upload of api/client (reserve, then the file straight to Blob with its progress), with
 * the order-export preset named in the reservation. */
export async function uploadWithPreset(
  file: File,
  options: { preset: string; strict: boolean },
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<ImportDoc> {
  return uploadImport(file, { kind: "orders", strict: options.strict, preset: options.preset }, onProgress, signal);
}
