/**
 * Strong admin passwords made in the renderer with the browser's cryptographic random numbers:
 * four groups of five letters and digits without look-alikes (no 0/O, 1/l/I), joined by hyphens,
 * e.g. `k7Qm2-xR9pa-Hs4tw-Ny3bE`: about 114 bits, easy to read out and type.
 */
export const PASSWORD_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A new password; `random(n)` answers n random bytes (default: crypto.getRandomValues). */
export function generatePassword(random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const n = PASSWORD_ALPHABET.length;
  const limit = 256 - (256 % n); // reject bytes that would bias the choice
  const chars: string[] = [];
  while (chars.length < 20) {
    for (const byte of random(32)) {
      if (byte < limit && chars.length < 20) chars.push(PASSWORD_ALPHABET[byte % n] as string);
    }
  }
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}
