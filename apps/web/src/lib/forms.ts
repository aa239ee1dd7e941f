import type { SubmitFunction } from '@sveltejs/kit';

/**
 * Puts the focus on the first field the server refused (in a radio group: its first choice). A refusal of the whole
 * form ("busy, save again", "device locked meanwhile") names no field: its message, above the form, is scrolled into
 * view, as on a phone the submit button is a few screens below it.
 */
export function focusRefused(form: HTMLElement): void {
  const field = form.querySelector<HTMLElement>('[aria-invalid="true"]');
  if (field) (field.getAttribute('role') === 'radiogroup' ? field.querySelector<HTMLElement>('input') : field)?.focus();
  else document.querySelector<HTMLElement>('main [role="alert"]')?.scrollIntoView({ block: 'center' });
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
