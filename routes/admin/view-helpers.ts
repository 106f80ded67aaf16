import type { NextFunction, Request, Response } from 'express';
import { quarantineFix } from '../../lib/alerts/alert-builder.js';
import { readMessage, renderMessage, type EngineMessage } from '../../lib/i18n/engine-message.js';
import { formatDateTime, formatDuration } from '../../lib/i18n/format.js';
import { CATALOGUES, type Locale, type MessageKey, type Translate } from '../../lib/i18n/index.js';
import type { ResolvedOptions } from '../../lib/options.js';
import { fieldId, fieldLabel } from './form-errors.js';
import { relativeTime } from './status-view.js';

/** Success notices a redirect may ask for; anything else in `?done=` is ignored. */
const NOTICES = [
  'saved',
  'created',
  'deleted',
  'enabled',
  'disabled',
  'resumed',
  'started',
  'cancelRequested',
  // Push: console-push.ts
  'dryRunStarted',
  'unlinked',
  'relinked',
  'runConfirmed',
  'runCancelled',
  'deletionsConfirmed',
  'deletionsCancelled',
] as const;

/**
 * What every view may use besides `t`, `locale` and `base`: formatting in the center's time
 * zone, labels for values that may come from newer engines (shown raw when unknown), defaults.
 */
export function viewHelpers(options: Pick<ResolvedOptions, 'timezone' | 'push'>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const locale = res.locals.locale as Locale;
    const t = res.locals.t as Translate;
    res.locals.fmt = {
      dateTime: (iso: string | null | undefined) => formatDateTime(iso, locale, options.timezone),
      duration: formatDuration,
    };
    res.locals.ago = (iso: string | null | undefined) => relativeTime(iso, locale);
    res.locals.label = (prefix: string, value: string | null | undefined): string => {
      if (value === null || value === undefined || value === '') return '';
      const key = `${prefix}.${value}`;
      return key in CATALOGUES.en ? t(key as MessageKey) : value;
    };
    // A note (`engine.note.*`: adopted, already disabled…) is not an error and is not styled as one.
    res.locals.isNote = isNote;
    res.locals.quarantineFix = (stored: string | null): { text: string; anchor: string } => {
      const fix = quarantineFix(stored);
      return { text: renderMessage(t, fix.action), anchor: fix.anchor };
    };
    res.locals.pushDefaults = { concurrency: options.push.concurrency };
    // "SCIM", "LDAP" or "Active Directory": an LDAP destination is named by its profile.
    res.locals.protocolLabel = (source: { protocol?: string; push?: { ldap?: { profile?: string } } | null }): string =>
      source.protocol === 'ldap' ? t(source.push?.ldap?.profile === 'ad' ? 'protocol.ad' : 'protocol.ldap') : t('protocol.scim');
    // Engine messages (reasons, notes) in the reader's language; plain text from before codes as is.
    res.locals.renderMessage = (stored: string | EngineMessage | null | undefined): string => renderMessage(t, stored);
    res.locals.errors = {};
    // The error summary's links: each field's label and input id (form-summary.ejs).
    res.locals.fieldLabel = (name: string) => fieldLabel(t, name);
    res.locals.inputIdOf = fieldId;
    res.locals.currentPath = req.originalUrl;
    const done = typeof req.query.done === 'string' ? req.query.done : '';
    res.locals.notice = (NOTICES as readonly string[]).includes(done) ? t(`notice.${done}` as MessageKey) : '';
    next();
  };
}

/** True when a stored engine message is a note rather than an error. */
export function isNote(stored: string | null | undefined): boolean {
  const message = readMessage(stored);
  return message !== null && 'key' in message && message.key.startsWith('engine.note.');
}

/** A path inside the center, from the mount point; ids are encoded. */
export function centerPath(req: Request, ...segments: Array<string | number>): string {
  return `${req.baseUrl}/${segments.map((segment) => encodeURIComponent(String(segment))).join('/')}`;
}
