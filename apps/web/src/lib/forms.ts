import type { SubmitFunction } from '@sveltejs/kit';

/** Puts the focus on the first field the server refused (in a radio group: its first choice). */
export function focusRefused(form: HTMLElement): void {
  const field = form.querySelector<HTMLElement>('[aria-invalid="true"]');
  (field?.getAttribute('role') === 'radiogroup' ? field.querySelector<HTMLElement>('input') : field)?.focus();
}

/**
 * Progressive enhancement for our forms: what was typed stays after a refusal and the focus goes to the field to
 * fix (the message above it is announced); `busy` follows the request, for disabling the submit button.
 */
export function keepTyped(busy: (on: boolean) => void = () => {}): SubmitFunction {
  return () => {
    busy(true);
    return async ({ result, update, formElement }) => {
      await update({ reset: false });
      busy(false);
      if (result.type === 'failure') focusRefused(formElement);
    };
  };
}
