/**
 * The case-insensitive form of a string, as SCIM compares `caseExact: false` attributes. The
 * mirror stores it beside each such value and filters compare it with the value folded here, so
 * sqlite (whose lower() folds ASCII only) and PostgreSQL (whose lower() follows the database's
 * locale) agree exactly.
 *
 * Lower, upper, lower again approaches Unicode full case folding (CaseFolding.txt, statuses C
 * and F) without a table: `Ä` and `ä` are one; `ß`, `ẞ` and `SS` fold to `ss`; `İ` (U+0130)
 * folds to `i` + U+0307, so it equals neither `I` nor `i`; final `ς` folds to `σ` wherever it
 * stands. Two deliberate exceptions keep it equal to case folding: dotless `ı` stays itself (the
 * round trip would make it `i`), and the Turkish and Lithuanian locale rules are not applied.
 * No Unicode normalisation: a precomposed `Ä` and `A` + U+0308 stay different. The mirror
 * stores its output, so a change here needs a migration that folds the stored copies again.
 */
export function foldCase(value: string): string {
  // ASCII folds to its lower case, and most userNames, e-mail addresses and codes are ASCII: the
  // round trip (three passes, a split and a replace) is only needed beyond it.
  if (ASCII.test(value)) return value.toLowerCase();
  return value.split('ı').map(roundTrip).join('ı');
}

const ASCII = /^[\x00-\x7f]*$/;

function roundTrip(part: string): string {
  return part.toLowerCase().toUpperCase().toLowerCase().replace(/ς/g, 'σ');
}

/** `foldCase` for a nullable column value. */
export function foldNullable(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : foldCase(value);
}
