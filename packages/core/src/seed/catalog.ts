import type { FormField } from '@medreg/db';

const pf = (key: string, de: string, en: string): FormField => ({ key, kind: 'pass_fail', label: { de, en } });

/** IEC 62353 repeat-test measurements with their limits (DOMAIN.md table). */
const electrical: FormField[] = [
  pf('visual', 'Sichtprüfung', 'Visual inspection'),
  {
    key: 'protective_earth',
    kind: 'number',
    label: { de: 'Schutzleiterwiderstand', en: 'Protective earth resistance' },
    unit: 'mΩ',
    limits: [{ when: { protectionClass: 'I' }, max: 300 }],
    range: { min: 0, max: 100_000 },
  },
  {
    key: 'insulation',
    kind: 'number',
    label: { de: 'Isolationswiderstand (500 V DC)', en: 'Insulation resistance (500 V DC)' },
    unit: 'MΩ',
    limits: [{ when: { protectionClass: 'I' }, min: 2 }, { when: { protectionClass: 'II' }, min: 7 }],
    range: { min: 0, max: 10_000 },
  },
  {
    key: 'equipment_leakage',
    kind: 'number',
    label: { de: 'Geräteableitstrom', en: 'Equipment leakage current' },
    unit: 'µA',
    limits: [{ when: { protectionClass: 'I' }, max: 500 }, { when: { protectionClass: 'II' }, max: 100 }],
    range: { min: 0, max: 100_000 },
    watchRise: true,
  },
  {
    key: 'applied_part_leakage',
    kind: 'number',
    label: { de: 'Patientenableitstrom', en: 'Applied-part leakage current' },
    unit: 'µA',
    limits: [{ when: { appliedPart: 'B' }, max: 5000 }, { when: { appliedPart: 'BF' }, max: 5000 }, { when: { appliedPart: 'CF' }, max: 50 }],
    range: { min: 0, max: 100_000 },
    watchRise: true,
  },
  pf('functional', 'Funktionsprüfung', 'Functional test'),
];

const deviation = (unit: string, max: number): FormField => ({
  key: 'max_deviation',
  kind: 'number',
  label: { de: 'Größte Messabweichung', en: 'Largest measuring deviation' },
  unit,
  limits: [{ min: -max, max }],
});

export interface SeedInspectionType {
  code: string;
  name_de: string;
  name_en: string;
  legal_reference: string;
  interval_months: number;
  anchor: 'exact' | 'end_of_month' | 'end_of_year';
  form: FormField[];
}

export const inspectionTypes: SeedInspectionType[] = [
  {
    code: 'STK',
    name_de: 'Sicherheitstechnische Kontrolle',
    name_en: 'Safety inspection (STK)',
    legal_reference: 'MPBetreibV 2025 §12 (2017: §11)',
    interval_months: 24,
    anchor: 'end_of_month',
    form: electrical,
  },
  {
    code: 'EL-62353',
    name_de: 'Elektrische Sicherheit (Wiederholungsprüfung IEC 62353)',
    name_en: 'Electrical safety (IEC 62353 repeat test)',
    legal_reference: 'DIN EN 62353 (VDE 0751-1)',
    interval_months: 12,
    anchor: 'end_of_month',
    form: electrical,
  },
  {
    code: 'MTK-NIBP',
    name_de: 'MTK nichtinvasive Blutdruckmessgeräte',
    name_en: 'Metrological inspection, non-invasive blood pressure',
    legal_reference: 'MPBetreibV 2025 §15, Anlage 2 (2017: §14)',
    interval_months: 24,
    anchor: 'end_of_year',
    form: [pf('visual', 'Sichtprüfung', 'Visual inspection'), deviation('mmHg', 3), {
      key: 'leak_rate', kind: 'number', label: { de: 'Leckrate', en: 'Leak rate' }, unit: 'mmHg/min', limits: [{ max: 6 }],
    }],
  },
  {
    code: 'MTK-IRT',
    name_de: 'MTK Infrarot-Strahlungsthermometer',
    name_en: 'Metrological inspection, infrared thermometer',
    legal_reference: 'MPBetreibV 2025 §15, Anlage 2 (2017: §14)',
    interval_months: 12,
    anchor: 'end_of_year',
    form: [pf('visual', 'Sichtprüfung', 'Visual inspection'), deviation('°C', 0.3)],
  },
  {
    code: 'MTK-TONO',
    name_de: 'MTK Augentonometer',
    name_en: 'Metrological inspection, eye tonometer',
    legal_reference: 'MPBetreibV 2025 §15, Anlage 2 (2017: §14)',
    interval_months: 24,
    anchor: 'end_of_year',
    form: [pf('visual', 'Sichtprüfung', 'Visual inspection'), deviation('mmHg', 2)],
  },
  {
    code: 'DGUV-V3',
    name_de: 'Prüfung ortsveränderlicher elektrischer Betriebsmittel (DGUV V3)',
    name_en: 'Portable electrical equipment test (DGUV V3)',
    legal_reference: 'DGUV Vorschrift 3 §5, DIN VDE 0701-0702',
    interval_months: 12,
    anchor: 'exact',
    form: [
      pf('visual', 'Sichtprüfung', 'Visual inspection'),
      { key: 'protective_earth', kind: 'number', label: { de: 'Schutzleiterwiderstand', en: 'Protective earth resistance' }, unit: 'mΩ', limits: [{ when: { protectionClass: 'I' }, max: 300 }] },
      { key: 'insulation', kind: 'number', label: { de: 'Isolationswiderstand', en: 'Insulation resistance' }, unit: 'MΩ', limits: [{ min: 1 }] },
      pf('functional', 'Funktionsprüfung', 'Functional test'),
    ],
  },
];

export interface SeedModel {
  manufacturer: string;
  name: string;
  kind: string;
  type: string;
  anlage1?: boolean;
  anlage2?: boolean;
  software?: string;
  deviceClass: 'I' | 'IIa' | 'IIb' | 'III';
  protectionClass: 'I' | 'II' | 'internal';
  appliedPart: 'B' | 'BF' | 'CF' | null;
  types: string[];
}

export const manufacturers: Record<string, string> = {
  'B. Braun Melsungen AG': 'Carl-Braun-Straße 1, 34212 Melsungen, Deutschland',
  'Fresenius Kabi AG': 'Else-Kröner-Straße 1, 61352 Bad Homburg, Deutschland',
  'Drägerwerk AG & Co. KGaA': 'Moislinger Allee 53–55, 23558 Lübeck, Deutschland',
  'Philips Medizin Systeme Böblingen GmbH': 'Hewlett-Packard-Straße 2, 71034 Böblingen, Deutschland',
  'GE Healthcare': 'Kuortaneenkatu 2, 00510 Helsinki, Finland',
  'ZOLL Medical Deutschland GmbH': 'Emil-Hoffmann-Straße 13, 50996 Köln, Deutschland',
  'Stryker (Physio-Control)': '11811 Willows Road NE, Redmond, WA 98052, USA',
  'Erbe Elektromedizin GmbH': 'Waldhörnlestraße 17, 72072 Tübingen, Deutschland',
  'Getinge (Maquet Critical Care AB)': 'Röntgenvägen 2, 171 54 Solna, Sverige',
  'Welch Allyn (Baxter)': '4341 State Street Road, Skaneateles Falls, NY 13153, USA',
  'Helen of Troy (Braun ThermoScan)': 'Mittelstraße 12, 61267 Neu-Anspach, Deutschland',
  'Icare Finland Oy': 'Äyritie 22, 01510 Vantaa, Finland',
  'Medela AG': 'Lättichstrasse 4b, 6341 Baar, Schweiz',
  'Hillrom (Baxter)': '1069 State Road 46 East, Batesville, IN 47006, USA',
  'SCHILLER AG': 'Altgasse 68, 6341 Baar, Schweiz',
  'Mindray Medical International': 'Mindray Building, Keji 12th Road South, Shenzhen 518057, China',
};

export const models: SeedModel[] = [
  { manufacturer: 'B. Braun Melsungen AG', name: 'Perfusor Space', kind: 'Spritzenpumpe', type: '8713030', anlage1: true, software: '688F', deviceClass: 'IIb', protectionClass: 'II', appliedPart: 'CF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'B. Braun Melsungen AG', name: 'Infusomat Space', kind: 'Infusionspumpe (volumetrisch)', type: '8713050', anlage1: true, software: '688F', deviceClass: 'IIb', protectionClass: 'II', appliedPart: 'CF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'Fresenius Kabi AG', name: 'Agilia SP', kind: 'Spritzenpumpe', type: 'Z022605', anlage1: true, software: '3.2', deviceClass: 'IIb', protectionClass: 'II', appliedPart: 'CF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'Fresenius Kabi AG', name: 'Agilia VP', kind: 'Infusionspumpe (volumetrisch)', type: 'Z022702', anlage1: true, software: '3.2', deviceClass: 'IIb', protectionClass: 'II', appliedPart: 'CF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'Drägerwerk AG & Co. KGaA', name: 'Evita V500', kind: 'Beatmungsgerät', type: '8412000', anlage1: true, software: '2.61', deviceClass: 'IIb', protectionClass: 'I', appliedPart: 'BF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'Drägerwerk AG & Co. KGaA', name: 'Babylog VN800', kind: 'Beatmungsgerät (Neonatologie)', type: '8420200', anlage1: true, software: '2.51', deviceClass: 'IIb', protectionClass: 'I', appliedPart: 'BF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'Getinge (Maquet Critical Care AB)', name: 'Servo-u', kind: 'Beatmungsgerät', type: '6694800', anlage1: true, software: '4.3', deviceClass: 'IIb', protectionClass: 'I', appliedPart: 'BF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'ZOLL Medical Deutschland GmbH', name: 'AED Plus', kind: 'Defibrillator (AED)', type: '8000-004000-02', anlage1: true, deviceClass: 'III', protectionClass: 'internal', appliedPart: 'BF', types: ['STK'] },
  { manufacturer: 'Stryker (Physio-Control)', name: 'LIFEPAK 15', kind: 'Defibrillator / Monitor', type: 'V15-2-000050', anlage1: true, software: '3.0', deviceClass: 'IIb', protectionClass: 'I', appliedPart: 'CF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'Mindray Medical International', name: 'BeneHeart D6', kind: 'Defibrillator / Monitor', type: 'D6', anlage1: true, software: '02.01', deviceClass: 'IIb', protectionClass: 'I', appliedPart: 'CF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'Erbe Elektromedizin GmbH', name: 'VIO 3', kind: 'HF-Chirurgiegerät', type: '10140-000', anlage1: true, software: '1.8', deviceClass: 'IIb', protectionClass: 'I', appliedPart: 'CF', types: ['STK', 'EL-62353'] },
  { manufacturer: 'Philips Medizin Systeme Böblingen GmbH', name: 'IntelliVue MX450', kind: 'Patientenmonitor', type: '866062', software: 'M.00', deviceClass: 'IIb', protectionClass: 'I', appliedPart: 'CF', types: ['EL-62353'] },
  { manufacturer: 'GE Healthcare', name: 'CARESCAPE B450', kind: 'Patientenmonitor', type: '2094277-001', software: '3.0', deviceClass: 'IIb', protectionClass: 'I', appliedPart: 'CF', types: ['EL-62353'] },
  { manufacturer: 'SCHILLER AG', name: 'CARDIOVIT AT-102 G2', kind: 'EKG-Gerät', type: '9.1010', software: '1.2', deviceClass: 'IIa', protectionClass: 'I', appliedPart: 'CF', types: ['EL-62353'] },
  { manufacturer: 'Medela AG', name: 'Basic 30', kind: 'Absaugpumpe', type: '026.5000', deviceClass: 'IIa', protectionClass: 'II', appliedPart: 'BF', types: ['EL-62353'] },
  { manufacturer: 'Welch Allyn (Baxter)', name: 'ProBP 3400', kind: 'Nichtinvasives Blutdruckmessgerät', type: '34XFHT-B', anlage2: true, deviceClass: 'IIa', protectionClass: 'internal', appliedPart: 'BF', types: ['MTK-NIBP'] },
  { manufacturer: 'Welch Allyn (Baxter)', name: 'Connex Spot Monitor', kind: 'Vitaldatenmonitor (NIBP)', type: '71XX', anlage2: true, software: '1.52', deviceClass: 'IIb', protectionClass: 'I', appliedPart: 'BF', types: ['MTK-NIBP', 'EL-62353'] },
  { manufacturer: 'Helen of Troy (Braun ThermoScan)', name: 'ThermoScan PRO 6000', kind: 'Infrarot-Ohrthermometer', type: '06000-000', anlage2: true, deviceClass: 'IIa', protectionClass: 'internal', appliedPart: 'BF', types: ['MTK-IRT'] },
  { manufacturer: 'Icare Finland Oy', name: 'Icare IC100', kind: 'Augentonometer', type: 'TA011', anlage2: true, deviceClass: 'IIa', protectionClass: 'internal', appliedPart: 'B', types: ['MTK-TONO'] },
  { manufacturer: 'Hillrom (Baxter)', name: 'Centrella Smart+', kind: 'Pflegebett (elektrisch)', type: 'P7900', deviceClass: 'I', protectionClass: 'I', appliedPart: 'B', types: ['DGUV-V3'] },
];

export const sites = [
  { name: 'Klinikum Nord', address: 'Nordring 1, 50000 Musterstadt', wards: ['Intensivstation 1', 'Kardiologie 3B', 'Notaufnahme'] },
  { name: 'Klinikum Süd', address: 'Südallee 20, 50100 Musterstadt', wards: ['Neonatologie', 'Chirurgie 2A', 'Geriatrie 4'] },
];

/** Demo accounts, one per role (README lists them). */
export const demoUsers = [
  { email: 'admin@demo.medreg', name: 'Anna Admin', role: 'admin', phone: '+49 221 000-100', wards: [] },
  { email: 'manager@demo.medreg', name: 'Max Meier', role: 'manager', phone: '+49 221 000-200', wards: [] },
  { email: 'technik@demo.medreg', name: 'Tom Techniker', role: 'technician', phone: '+49 221 000-300', wards: [] },
  { email: 'pflege@demo.medreg', name: 'Paula Pflege', role: 'nurse', phone: null, wards: ['Intensivstation 1', 'Kardiologie 3B'] },
] as const;

export const DEMO_PASSWORD = 'demo-passwort';

/** Ward staff without sign-in, so the training matrix has people in it; the first one of each ward has left. */
export const wardStaffNames = {
  first: ['Sabine', 'Jonas', 'Leonie', 'Mehmet', 'Katharina', 'Lukas', 'Aylin', 'Felix', 'Hannah', 'Piotr', 'Marie', 'David', 'Elif', 'Tobias', 'Nina', 'Stefan'],
  last: ['Sommer', 'Becker', 'Wagner', 'Yilmaz', 'Hoffmann', 'Schulz', 'Koch', 'Richter', 'Klein', 'Nowak', 'Wolf', 'Neumann', 'Schröder', 'Braun', 'Zimmermann', 'Krüger'],
} as const;
export const WARD_STAFF_PER_WARD = 10;
