/**
 * The ARIA tabs pattern's keys: the tab a key moves to (arrows wrap around, Home/End jump), or
 * null for any other key.
 */
export function tabKeyTarget(key: string, index: number, count: number): number | null {
  const last = count - 1;
  const next = ({ ArrowRight: index + 1, ArrowDown: index + 1, ArrowLeft: index - 1, ArrowUp: index - 1, Home: 0, End: last } as Record<string, number>)[key];
  if (next === undefined) return null;
  return next > last ? 0 : next < 0 ? last : next;
}
