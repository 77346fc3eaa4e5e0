/**
 * A photo's file name as sent is only ever display text: the part after the last slash or
 * backslash, with control characters (NUL included), markup and path characters dropped, spaces
 * folded, at most 120 characters. It is never used to build a path (blobs are named by SHA-256).
 */
const MAX_LENGTH = 120;

export function displayName(sent: string | null | undefined): string | null {
  if (!sent) return null;
  const base = sent.split(/[/\\]/).pop() ?? '';
  const clean = base
    .normalize('NFC')
    // control characters, bidirectional overrides, and characters that mean something in markup or paths
    .replace(/[\p{Cc}\p{Cf}<>:"|?*`$%&;{}]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/^\.+/, '');
  if (!clean) return null;
  return [...clean].slice(0, MAX_LENGTH).join('');
}
