const MODEL_FIELDS = ['manufacturerId', 'name', 'kind', 'typeDesignation', 'softwareVersion', 'deviceClass', 'protectionClass', 'appliedPart', 'instructionValidityMonths'] as const;

/** A model form as typed (checkboxes 'on' or ''); the API reads and judges it. */
export function modelForm(form: FormData): Record<string, string> {
  return {
    ...Object.fromEntries(MODEL_FIELDS.map((k) => [k, String(form.get(k) ?? '').trim()])),
    anlage1: form.get('anlage1') ? 'on' : '',
    anlage2: form.get('anlage2') ? 'on' : '',
  };
}

export const typeIdsOf = (form: FormData) => form.getAll('typeIds').map(String);
