/** A QR code shown on a signed-in computer to sign a phone in as the same user (single use, two minutes). */
export interface PhoneSignInTable {
  id: string;
  user_id: string;
  /** SHA-256 (hex) of the token in the QR code; the token itself is never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** The session the phone got (better-auth's `sessions.id`). */
  session_id: string | null;
}
