// Secrets in what commands print: passwords in URLs and tokens are shown as ***, also under --json.

export const redacted = '***';

/** A URL with its password (if any) shown as ***; an unparsable one is redacted by pattern. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = redacted;
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, `//$1:${redacted}@`);
  }
}
