import Bowser from 'bowser';

export interface DeviceDescription {
  /** "Chrome", "Safari", "Microsoft Edge"; null when the user agent names none. */
  browser: string | null;
  /** "Android", "Windows", "iPhone"; null when unknown. */
  system: string | null;
  mobile: boolean;
}

/** A session's browser and system in plain words, read from its user agent (bowser keeps up with new browsers). */
export function describeUserAgent(userAgent: string | null): DeviceDescription {
  if (!userAgent?.trim()) return { browser: null, system: null, mobile: false };
  const parser = Bowser.getParser(userAgent);
  const platform = parser.getPlatform();
  // Apple names the device rather than the system people know it by ("iPhone", not "iOS").
  const system = platform.vendor === 'Apple' && platform.model ? platform.model : parser.getOSName();
  return {
    browser: parser.getBrowserName() || null,
    system: system || null,
    mobile: platform.type === 'mobile' || platform.type === 'tablet',
  };
}
