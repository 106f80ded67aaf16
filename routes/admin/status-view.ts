import type { Locale, Translate } from '../../lib/i18n/index.js';
import type { RunProgress } from '../../lib/status/run-progress.js';

/** "5 minutes ago", "in 3 hours", in the page's language; the exact time goes in the element's title. */
export function relativeTime(iso: string | null | undefined, locale: Locale, now = Date.now()): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.round((at - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return format.format(seconds, 'second');
  if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return format.format(Math.round(seconds / 3600), 'hour');
  return format.format(Math.round(seconds / 86_400), 'day');
}

/** A time left as the largest sensible unit: "42 seconds", "3 minutes", "2 hours". */
export function timeLeft(seconds: number, t: Translate): string {
  if (seconds < 90) return t('time.seconds', { count: Math.max(1, Math.round(seconds)) });
  if (seconds < 90 * 60) return t('time.minutes', { count: Math.round(seconds / 60) });
  return t('time.hours', { count: Math.round(seconds / 3600) });
}

/** The words of a progress, in the page's language: for the page itself and for the JSON that console.js shows as is. */
export function progressText(progress: RunProgress, t: Translate, locale: Locale): { phase: string; percent: string; of: string; rate: string; eta: string } {
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const unknown = t('progress.unknown');
  return {
    phase: t(`progress.phase.${progress.phase}`),
    percent: progress.percent === null ? unknown : t('progress.percent', { percent: progress.percent }),
    of: t('progress.of', { processed: number.format(progress.processed), total: number.format(progress.total) }),
    rate: progress.ratePerSecond === null ? unknown : t('progress.rate.value', { rate: number.format(progress.ratePerSecond) }),
    eta: progress.etaSeconds === null ? unknown : t('progress.eta.value', { time: timeLeft(progress.etaSeconds, t) }),
  };
}
