/**
 * English sentences on a page: three or more ASCII words in a row. Allowed, being data or names
 * rather than sentences: what is quoted ("…", the downstream's own words and ids), URLs and paths,
 * e-mail addresses, ids, HTTP methods with their paths, the product's protocol names.
 */
export function englishRuns(text: string): string[] {
  const cleaned = text
    .replace(/"[^"\n]*"/g, ' ')
    .replace(/“[^”\n]*”/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\S*\/\S*/g, ' ')
    .replace(/\S+@\S+/g, ' ')
    .replace(/\b[0-9a-f]{8}-[0-9a-f-]{27}\b/gi, ' ')
    .replace(/\b(SCIM|OAuth 2\.0|HTTP Basic|Bearer|Client ID|Client Secret|Token|PATCH|PUT|POST|GET|DELETE|HTTP|URL|LDAP\/AD|Retry-After|allowPrivatePush|allowHttpPush|push\.maxRetryAfterMs)\b/g, ' ');
  return [...cleaned.matchAll(/[A-Za-z][A-Za-z'’-]*(?:[ ,;:()]+[A-Za-z][A-Za-z'’-]*){2,}/g)].map((match) => match[0]);
}
