// Just enough multipart/form-data to take one text field out of a body (Plate Recognizer's
// "Webhook with Image" puts the JSON in field "json" beside the image in "upload"). Pure.

/** The boundary from a Content-Type header, or null. */
export function multipartBoundary(contentType: string): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** The value of field `name`, decoded as UTF-8, or null when absent. */
export function multipartField(body: Buffer, boundary: string, name: string): string | null {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const partStart = at + delimiter.length;
    const next = body.indexOf(delimiter, partStart);
    if (next < 0) break;
    const part = body.subarray(partStart, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('latin1');
      const disposition = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers);
      if (disposition?.[1] === name) {
        let value = part.subarray(headerEnd + 4);
        if (value.subarray(-2).toString('latin1') === '\r\n') value = value.subarray(0, -2);
        return value.toString('utf8');
      }
    }
    at = next;
  }
  return null;
}
