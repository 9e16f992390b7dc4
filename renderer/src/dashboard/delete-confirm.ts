/** The rule of the Delete confirmation (DeleteServer): pure, so it is tested on its own. */

/** True only when `typed` is the server's name exactly (no trimming, same case). */
export function confirmsDeletion(typed: string, name: string): boolean {
  return name !== '' && typed === name;
}
