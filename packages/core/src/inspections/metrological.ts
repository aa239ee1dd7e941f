/**
 * Metrological inspections (MTK, MPBetreibV 2025 §15 / 2017 §14) are the inspection types whose code starts
 * with "MTK"; after a passed one the device carries a sticker with the month and year of the next.
 * Pure, so the device page can offer the sticker with the same rule the server applies.
 */
export const isMetrological = (type: { code: string }) => type.code.startsWith('MTK');
