/**
 * lz-string's base64 variant (`compressToBase64` / `decompressFromBase64`), the `lz64`
 * encoding older browser SDKs use for capture bodies. Written from the algorithm's
 * description: an LZW variant whose codes are packed least-significant bit first into
 * 6-bit base64 characters; code width grows as the dictionary grows.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='
const REVERSE: Record<string, number> = {}
for (let i = 0; i < ALPHABET.length; i++) REVERSE[ALPHABET[i]!] = i

const BITS_PER_CHAR = 6
const END_OF_STREAM = 2

/**
 * Decodes an lz-string base64 text; returns null when the input is not a valid stream.
 * Throws `LzOutputTooLarge` as soon as the output passes `maxLength` UTF-16 code units: a
 * few hundred KiB of lz64 can describe gigabytes, so the cap is checked while decoding.
 */
export function decompressFromBase64(input: string, maxLength = Infinity): string | null {
  if (input === '') return ''
  const reader = new BitReader(input)
  const dictionary: string[] = ['', '', '']
  let enlargeIn = 4
  let numBits = 3

  const first = reader.read(2)
  let w: string
  if (first === 0) w = String.fromCharCode(reader.read(8))
  else if (first === 1) w = String.fromCharCode(reader.read(16))
  else if (first === END_OF_STREAM) return ''
  else return null
  dictionary[3] = w
  const out = new OutputBuffer(maxLength)
  out.push(w)

  for (;;) {
    if (reader.exhausted()) return null
    let code = reader.read(numBits)
    if (code === 0 || code === 1) {
      dictionary.push(String.fromCharCode(reader.read(code === 0 ? 8 : 16)))
      code = dictionary.length - 1
      enlargeIn--
    } else if (code === END_OF_STREAM) {
      return out.finish()
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits
      numBits++
    }
    let entry: string
    if (code < dictionary.length && code > 2) entry = dictionary[code]!
    else if (code === dictionary.length) entry = w + w[0]
    else return null
    out.push(entry)
    dictionary.push(w + entry[0])
    enlargeIn--
    w = entry
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits
      numBits++
    }
  }
}

/**
 * Collects decoded phrases, joined in blocks so a long output is not held as millions of
 * small strings, and counts code units against the cap.
 */
class OutputBuffer {
  private readonly blocks: string[] = []
  private pending: string[] = []
  private length = 0

  constructor(private readonly maxLength: number) {}

  push(phrase: string): void {
    this.length += phrase.length
    if (this.length > this.maxLength) throw new LzOutputTooLarge(`lz64 output is longer than ${this.maxLength} characters`)
    this.pending.push(phrase)
    if (this.pending.length >= 4096) {
      this.blocks.push(this.pending.join(''))
      this.pending = []
    }
  }

  finish(): string {
    this.blocks.push(this.pending.join(''))
    return this.blocks.join('')
  }
}

/** Encodes text the way lz-string's `compressToBase64` does (padded with `=`). */
export function compressToBase64(input: string): string {
  const writer = new BitWriter()
  const dictionary = new Map<string, number>()
  const pendingLiterals = new Set<string>()
  let w = ''
  let enlargeIn = 2
  let dictSize = 3
  let numBits = 2

  const grow = (): void => {
    enlargeIn--
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits
      numBits++
    }
  }
  const emit = (phrase: string): void => {
    if (pendingLiterals.has(phrase)) {
      const charCode = phrase.charCodeAt(0)
      if (charCode < 256) {
        writer.write(0, numBits)
        writer.write(charCode, 8)
      } else {
        writer.write(1, numBits)
        writer.write(charCode, 16)
      }
      grow()
      pendingLiterals.delete(phrase)
    } else {
      writer.write(dictionary.get(phrase)!, numBits)
    }
  }

  for (const c of splitCodeUnits(input)) {
    if (!dictionary.has(c)) {
      dictionary.set(c, dictSize++)
      pendingLiterals.add(c)
    }
    const wc = w + c
    if (dictionary.has(wc)) {
      w = wc
    } else {
      emit(w)
      grow()
      dictionary.set(wc, dictSize++)
      w = c
    }
  }
  if (w !== '') {
    emit(w)
    grow()
  }
  writer.write(END_OF_STREAM, numBits)
  const text = writer.finish()
  return text + '='.repeat((4 - (text.length % 4)) % 4)
}

function* splitCodeUnits(input: string): Generator<string> {
  for (let i = 0; i < input.length; i++) yield input[i]!
}

class BitReader {
  private value: number
  private position = 32
  private index = 1
  constructor(private readonly text: string) {
    this.value = this.charValue(0)
  }
  exhausted(): boolean {
    return this.index > this.text.length
  }
  read(bits: number): number {
    let result = 0
    for (let power = 1, i = 0; i < bits; i++, power *= 2) {
      if (this.value & this.position) result += power
      this.position >>= 1
      if (this.position === 0) {
        this.position = 32
        this.value = this.charValue(this.index++)
      }
    }
    return result
  }
  private charValue(i: number): number {
    if (i >= this.text.length) return 0
    const v = REVERSE[this.text[i]!]
    // A character outside the alphabet cannot come from the encoder.
    if (v === undefined) throw new LzStringError(`invalid lz64 character at ${i}`)
    return v
  }
}

class BitWriter {
  private readonly out: string[] = []
  private value = 0
  private position = 0
  write(code: number, bits: number): void {
    let v = code
    for (let i = 0; i < bits; i++) {
      this.value = (this.value << 1) | (v & 1)
      if (this.position === BITS_PER_CHAR - 1) {
        this.position = 0
        this.out.push(ALPHABET[this.value]!)
        this.value = 0
      } else {
        this.position++
      }
      v >>= 1
    }
  }
  finish(): string {
    // Shift the last partial character into place, as the reference encoder does.
    for (;;) {
      this.value <<= 1
      if (this.position === BITS_PER_CHAR - 1) {
        this.out.push(ALPHABET[this.value]!)
        break
      }
      this.position++
    }
    return this.out.join('')
  }
}

/** Thrown for text that cannot be an lz64 stream. */
export class LzStringError extends Error {
  override name: string = 'LzStringError'
}

/** Thrown when the decoded text would pass the caller's cap. */
export class LzOutputTooLarge extends LzStringError {
  override name = 'LzOutputTooLarge'
}
