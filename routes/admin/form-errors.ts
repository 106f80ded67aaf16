import type { ValidationError } from '../../lib/errors.js';
import { CATALOGUES, type MessageKey, type Translate } from '../../lib/i18n/index.js';

/** Field name → translated message, shown next to the input of the same name. */
export type FieldErrors = Record<string, string>;

/**
 * Maps the service's issues (stable codes) onto the form: an issue whose field has an input on
 * the page goes next to it; any other (`source`, `push`, …) goes to the form's summary under `_form`.
 */
export function toFieldErrors(error: ValidationError, t: Translate, fieldsOnPage: readonly string[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    // A field may say its own sentence for a code (`validation.push.schedule.invalid_cron`), else the code's.
    const fieldKey = `validation.${issue.field}.${issue.code}`;
    const key = fieldKey in CATALOGUES.en ? fieldKey : `validation.${issue.code}`;
    const message = key in CATALOGUES.en ? t(key as MessageKey, issue.params) : t('validation.invalid');
    const field = fieldsOnPage.includes(issue.field) ? issue.field : '_form';
    errors[field] = errors[field] ? `${errors[field]} ${message}` : message;
  }
  return errors;
}
