import { createHash } from 'node:crypto';

/**
 * The logbook seal (Siegel): a SHA-256 over the last entry of every device's logbook as it stood at one instant.
 * The hash chains show an entry changed in place; they cannot show a chain rewritten as a whole, hashes included,
 * by someone with write access to the database. A seal kept outside the application (printed, filed) shows that
 * too: anything recorded before its instant that was changed, removed or slipped in makes the logbook's seal for
 * that instant differ. Pure.
 */

/** A seal covers the logbooks as they stood this long before its chain check began: every write of then is committed. */
export const SEAL_LAG_MS = 60_000;

/** One device's last entry at the seal's instant. */
export interface Head {
  deviceId: string;
  seq: number;
  hash: string;
}

/** The entry with the highest number recorded at or before `at`; null when the device had none yet. */
export function headAt(entries: readonly { seq: number; recorded_at: string | Date; hash: string }[], at: Date, deviceId: string): Head | null {
  let head: Head | null = null;
  for (const e of entries)
    if (new Date(e.recorded_at).getTime() <= at.getTime() && (!head || e.seq > head.seq)) head = { deviceId, seq: e.seq, hash: e.hash };
  return head;
}

/** Builds a seal from the heads, given in the order of their device ids (byte order). */
export function sealer(sealedAt: Date) {
  const hash = createHash('sha256').update(`medreg logbook seal 1\n${sealedAt.toISOString()}\n`);
  let devices = 0;
  let last = '';
  return {
    sealedAt,
    add(head: Head) {
      if (head.deviceId <= last) throw new Error(`logbook seal: device ${head.deviceId} out of order`);
      last = head.deviceId;
      devices++;
      hash.update(`${head.deviceId} ${head.seq} ${head.hash}\n`);
    },
    done: () => ({ sealedAt, devices, seal: hash.digest('hex') }),
  };
}

export interface Seal {
  sealedAt: Date;
  seal: string;
}

/** The text of a seal as it is downloaded, printed and filed. */
export function sealText(s: Seal & { devices: number; checkId: string }): string {
  return [
    'MedReg logbook seal',
    `Sealed at: ${s.sealedAt.toISOString()}`,
    `Devices: ${s.devices}`,
    `Chain check: ${s.checkId}`,
    `Seal: ${s.seal}`,
    '',
  ].join('\n');
}

/** The instant and seal from a seal's text (as downloaded, or typed from paper: case and spaces do not matter). */
export function parseSeal(text: string): Seal | null {
  const at = /sealed at:\s*(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z)/i.exec(text)?.[1];
  const seal = /seal:\s*((?:[0-9a-f]\s*){64})(?![0-9a-f])/i.exec(text)?.[1]?.replace(/\s+/g, '').toLowerCase();
  if (!at || !seal) return null;
  const sealedAt = new Date(at);
  return Number.isNaN(sealedAt.getTime()) ? null : { sealedAt, seal };
}
