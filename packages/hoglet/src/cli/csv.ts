/**
 * Splits one CSV record (RFC 4180: comma-separated, `"` quotes, `""` an escaped quote).
 * Returns `undefined` while a quoted field is still open, so the caller appends the next line
 * (a quoted field may span lines).
 */
export function parseCsvRecord(text: string, delimiter = ','): string[] | undefined {
  const fields: string[] = []
  let field = ''
  let quoted = false
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
      } else field += ch
      i++
      continue
    }
    if (ch === '"' && field === '') quoted = true
    else if (ch === delimiter) {
      fields.push(field)
      field = ''
    } else field += ch
    i++
  }
  if (quoted) return undefined
  fields.push(field)
  return fields
}
