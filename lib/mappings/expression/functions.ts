import { createRequire } from 'node:module';

/** What an expression works with: text, numbers, truth values, nothing, or a list of texts (e-mails, org ids). */
export type Value = string | number | boolean | null | readonly string[];

interface FunctionSpec {
  /** Arguments it needs and may take (`Infinity`: any number more). */
  min: number;
  max: number;
  apply(args: readonly Value[]): Value;
}

/**
 * The functions, by the name an expression calls them with (case-insensitively). Each one takes
 * nothing (null, "" or an empty list) as nothing: it gives back nothing rather than "undefined"
 * or a stray separator, so "clear when empty" and Coalesce see an absent value as absent.
 * docs/mappings.md has an example of each.
 */
export const FUNCTIONS: Record<string, FunctionSpec> = {
  Append: { min: 2, max: 2, apply: ([source, suffix]) => (isPresent(source) ? text(source) + text(suffix) : null) },
  Coalesce: { min: 1, max: Infinity, apply: (args) => args.find(isPresent) ?? null },
  FormatDateTime: { min: 2, max: 3, apply: ([source, format, timeZone]) => formatDateTime(source, text(format), isPresent(timeZone) ? text(timeZone) : 'UTC') },
  IIF: { min: 3, max: 3, apply: ([condition, whenTrue, whenFalse]) => (truthy(condition) ? whenTrue! : whenFalse!) },
  IsPresent: { min: 1, max: 1, apply: ([value]) => isPresent(value) },
  Join: { min: 2, max: Infinity, apply: (args) => join(args) },
  Left: { min: 2, max: 2, apply: ([source, count]) => eachText(source, (value) => [...value].slice(0, Math.max(0, whole(count))).join('')) },
  Mid: {
    min: 3,
    max: 3,
    // 1-based start, as in Entra ID and Visual Basic.
    apply: ([source, start, length]) => eachText(source, (value) => [...value].slice(Math.max(0, whole(start) - 1), Math.max(0, whole(start) - 1) + Math.max(0, whole(length))).join('')),
  },
  NormalizeDiacritics: { min: 1, max: 1, apply: ([source]) => eachText(source, normalizeDiacritics) },
  Pinyin: { min: 1, max: 3, apply: ([source, separator, style]) => eachText(source, (value) => toPinyin(value, isPresent(separator) ? text(separator) : '', isPresent(style) ? text(style) : 'full')) },
  Replace: { min: 3, max: 3, apply: ([source, find, replacement]) => eachText(source, (value) => (text(find) === '' ? value : value.split(text(find)).join(text(replacement)))) },
  Split: { min: 2, max: 2, apply: ([source, delimiter]) => (isPresent(source) ? texts(source).flatMap((value) => value.split(text(delimiter))).map((part) => part.trim()).filter((part) => part !== '') : null) },
  Switch: {
    min: 2,
    max: Infinity,
    apply: ([source, fallback, ...pairs]) => {
      const key = isPresent(source) ? text(source) : '';
      for (let index = 0; index + 1 < pairs.length; index += 2) if (text(pairs[index]!) === key) return pairs[index + 1]!;
      return fallback!;
    },
  },
  ToLower: { min: 1, max: 1, apply: ([source]) => eachText(source, (value) => value.toLowerCase()) },
  ToUpper: { min: 1, max: 1, apply: ([source]) => eachText(source, (value) => value.toUpperCase()) },
  Trim: { min: 1, max: 1, apply: ([source]) => eachText(source, (value) => value.trim()) },
};

const BY_LOWER_NAME = new Map(Object.entries(FUNCTIONS).map(([name, spec]) => [name.toLowerCase(), { name, spec }]));

export function findFunction(name: string): { name: string; spec: FunctionSpec } | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}

export function isPresent(value: Value | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** `=` and `<>`: texts compare case-sensitively, a list equals a text it contains, nothing equals nothing. */
export function equals(left: Value, right: Value): boolean {
  if (!isPresent(left) || !isPresent(right)) return !isPresent(left) && !isPresent(right);
  if (Array.isArray(left)) return texts(right).some((value) => left.includes(value));
  if (Array.isArray(right)) return right.includes(text(left));
  return text(left) === text(right);
}

function truthy(value: Value | undefined): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value !== '' && value.toLowerCase() !== 'false';
  return isPresent(value ?? null);
}

function text(value: Value | undefined): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

function texts(value: Value): string[] {
  if (!isPresent(value)) return [];
  return Array.isArray(value) ? [...value] : [text(value)];
}

function whole(value: Value | undefined): number {
  const number = Math.trunc(Number(text(value)));
  return Number.isFinite(number) ? number : 0;
}

/** Join's texts (each of a list's) after the separator, empty ones left out, in one pass. */
function join(args: readonly Value[]): Value {
  const separator = text(args[0]);
  let joined: string | null = null;
  for (let index = 1; index < args.length; index += 1) {
    const value = args[index]!;
    if (!isPresent(value)) continue;
    if (Array.isArray(value)) {
      for (const part of value as readonly string[]) if (part !== '') joined = joined === null ? part : joined + separator + part;
    } else {
      const part = text(value);
      if (part !== '') joined = joined === null ? part : joined + separator + part;
    }
  }
  return joined;
}

function nothingIfEmpty(value: string): string | null {
  return value === '' ? null : value;
}

/** A text function applied to a text, or to each text of a list; nothing stays nothing. */
function eachText(source: Value | undefined, transform: (value: string) => string): Value {
  if (!isPresent(source ?? null)) return null;
  if (Array.isArray(source)) return source.map(transform).filter((value) => value !== '');
  return nothingIfEmpty(transform(text(source)));
}

/** Letters that Unicode does not decompose into a base letter and a mark. */
const UNDECOMPOSED: Record<string, string> = { ß: 'ss', ø: 'o', Ø: 'O', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', đ: 'd', Đ: 'D', ł: 'l', Ł: 'L', ı: 'i', þ: 'th', Þ: 'Th' };

function normalizeDiacritics(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .replace(/[ßøØæÆœŒđĐłŁıþÞ]/g, (letter) => UNDECOMPOSED[letter]!);
}

/**
 * Chinese characters to toneless pinyin, lower case; everything else is kept as it is. `full`
 * gives whole syllables ("zhang san" with separator " "), `initials` their first letters ("zs").
 * A name's first character is read as a surname (单 is "shan", 曾 is "zeng"), since names are
 * what this is for.
 */
function toPinyin(value: string, separator: string, style: string): string {
  // Nothing to convert (Latin names, e-mail parts): pinyin-pro would only cost time.
  if (!HAN.test(value)) return value.toLowerCase();
  let converted = pinyinValues(style, separator).get(value);
  if (converted === undefined) {
    const syllables = pinyinPro().pinyin(value, { toneType: 'none', type: 'array', nonZh: 'consecutive', surname: 'head', pattern: style === 'initials' ? 'first' : 'pinyin' });
    converted = syllables
      .map((syllable) => syllable.trim())
      .filter((syllable) => syllable !== '')
      .join(separator)
      .toLowerCase();
    // A directory's names repeat (surnames, given names, the same user in every full sync):
    // pinyin-pro costs tens of µs a call, a look-up well under one. Bounded, emptied when full.
    if (pinyinCached >= PINYIN_CACHE_SIZE) {
      PINYIN_CACHE.clear();
      pinyinCached = 0;
    }
    pinyinValues(style, separator).set(value, converted);
    pinyinCached += 1;
  }
  return converted;
}

/**
 * pinyin-pro, loaded on the first Han text rather than with the center: imported up front, its
 * dictionaries held 4.6 MB of heap in every host (about 8 MB once used), though most never map a
 * name to pinyin. `require` of its CommonJS build, because expressions are synchronous; the
 * first conversion pays the load once.
 */
let pinyinModule: typeof import('pinyin-pro') | undefined;
function pinyinPro(): typeof import('pinyin-pro') {
  pinyinModule ??= createRequire(import.meta.url)('pinyin-pro') as typeof import('pinyin-pro');
  return pinyinModule;
}

/** CJK ideographs (the Han script): what Pinyin converts. */
const HAN = /\p{Script=Han}/u;
const PINYIN_CACHE_SIZE = 100_000;
/** Converted texts by style, then separator, then the text itself. */
const PINYIN_CACHE = new Map<string, Map<string, Map<string, string>>>();
let pinyinCached = 0;

/** The cached texts of one style and separator: looked up without building a key string per call. */
function pinyinValues(style: string, separator: string): Map<string, string> {
  let bySeparator = PINYIN_CACHE.get(style);
  if (bySeparator === undefined) PINYIN_CACHE.set(style, (bySeparator = new Map()));
  let values = bySeparator.get(separator);
  if (values === undefined) bySeparator.set(separator, (values = new Map()));
  return values;
}

const FORMAT_TOKEN = /yyyy|yy|MM|dd|HH|mm|ss|'[^']*'/g;

/**
 * An ISO-8601 date (or date and time) in `format`, with the tokens yyyy, yy, MM, dd, HH, mm, ss
 * and 'quoted text', in `timeZone` (UTC unless given). Nothing when the date does not parse.
 */
function formatDateTime(source: Value | undefined, format: string, timeZone: string): Value {
  if (!isPresent(source ?? null)) return null;
  const date = new Date(text(source));
  if (Number.isNaN(date.getTime())) return null;
  let parts: Record<string, string>;
  try {
    parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
        .formatToParts(date)
        .map((part) => [part.type, part.value]),
    );
  } catch {
    return null; // an unknown time zone
  }
  const tokens: Record<string, string> = { yyyy: parts.year!, yy: parts.year!.slice(-2), MM: parts.month!, dd: parts.day!, HH: parts.hour!, mm: parts.minute!, ss: parts.second! };
  return format.replace(FORMAT_TOKEN, (token) => (token.startsWith("'") ? token.slice(1, -1) : tokens[token]!));
}
