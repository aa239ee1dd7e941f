import type { BarcodeDetector as Ponyfill } from 'barcode-detector/ponyfill';

/** Reads QR codes from video frames on the phone itself: no image leaves the device. */
export interface QrReader {
  engine: 'native' | 'zxing';
  read(frame: HTMLVideoElement): Promise<string[]>;
}

type Detector = Pick<Ponyfill, 'detect'>;
interface DetectorClass {
  new (options: { formats: ['qr_code'] }): Detector;
  getSupportedFormats(): Promise<readonly string[]>;
}

const reader = (detector: Detector, engine: QrReader['engine']): QrReader => ({
  engine,
  read: async (frame) => (await detector.detect(frame)).map((b) => b.rawValue),
});

async function nativeQr(): Promise<DetectorClass | null> {
  const Native = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  try {
    return Native && (await Native.getSupportedFormats()).includes('qr_code') ? Native : null;
  } catch {
    return null;
  }
}

/** The browser's own BarcodeDetector where it reads QR codes, else ZXing compiled to WebAssembly. */
export async function createQrReader(): Promise<QrReader> {
  const Native = await nativeQr();
  if (Native) return reader(new Native({ formats: ['qr_code'] }), 'native');
  const [{ BarcodeDetector, prepareZXingModule }, { default: wasmUrl }] = await Promise.all([
    import('barcode-detector/ponyfill'),
    import('zxing-wasm/reader/zxing_reader.wasm?url'),
  ]);
  // zxing-wasm fetches its .wasm from a CDN by default; hospital intranets need it from the app itself.
  await prepareZXingModule({
    overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) },
    fireImmediately: true,
  });
  return reader(new BarcodeDetector({ formats: ['qr_code'] }), 'zxing');
}
