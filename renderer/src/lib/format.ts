/** Numbers for people: bytes in binary units, percentages, in the current language's digits. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** 1536 → "1.5 KB" (1024-based, as Docker Desktop shows memory). */
export function formatBytes(bytes: number, locale?: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 })} ${UNITS[unit]}`;
}

/** 12.345 → "12.3%". */
export function formatPercent(value: number, locale?: string): string {
  return `${value.toLocaleString(locale, { maximumFractionDigits: value < 10 ? 1 : 0 })}%`;
}

/** A stack's memory in MiB as gigabytes: 2048 → "2", 512 → "0.5". */
export function mibToGb(mib: number, locale?: string): string {
  return (mib / 1024).toLocaleString(locale, { maximumFractionDigits: 1 });
}
