/** Evenly spaced prices from `low` to `high` (inclusive), rounded to whole rupees, without repeats. */
export function priceGrid(current: number, count = 50, low = 0.5, high = 1.5): number[] {
  if (!(current > 0) || count < 2) return [];
  const start = current * low;
  const step = (current * high - start) / (count - 1);
  const prices = Array.from({ length: count }, (_, i) => Math.max(1, Math.round(start + i * step)));
  return [...new Set(prices)];
}

/** Slider bounds for a price: 50%–150% of it, in steps of about 0.5% (at least ₹1). */
export function sliderBounds(current: number): { min: number; max: number; step: number } {
  return { min: Math.max(1, Math.floor(current * 0.5)), max: Math.ceil(current * 1.5), step: Math.max(1, Math.round(current / 200)) };
}
