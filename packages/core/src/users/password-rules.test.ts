import { describe, expect, it } from 'vitest';
import { translator } from '@medreg/i18n';
import { translateIssues } from '../trpc/zod-messages.js';
import { newPassword, passwordProblem, type PasswordProblem } from './password-rules.js';

const person = { email: 'paula.pflege@klinikum.de', name: 'Paula Pflege' };

describe('password rules (pure)', () => {
  it.each<[string, string, PasswordProblem | null]>([
    ['a long passphrase', 'Kaffee Stethoskop Laterne', null],
    ['random characters', 'x7#Qm!pL2vR9', null],
    ['a listed password of 12+ characters', 'qwerty123456', 'common'],
    ['listed, in other case', 'QWERTY123456', 'common'],
    ['a listed word with digits and symbols added', 'Passwort2024!!', 'common'],
    ['a listed word with digits before', '2024password', 'common'],
    ['a listed password repeated', 'dragondragon', 'common'],
    ['one character repeated', 'aaaaaaaaaaaaaa', 'repetitive'],
    ['two characters alternating', 'abababababab', 'repetitive'],
    ['four different characters', 'abcdabcdabcdabcd', 'repetitive'],
    ['contains the name part of the email', 'x7#paula.pflege!', 'personal'],
    ['contains the family name, any case', 'Blau-PFLEGE-Haus-17', 'personal'],
    ['contains the application name', 'MedReg-Zugang-Nord', 'personal'],
    ['a 3-letter part of a name does not count', 'Lux Tee Sonnenbad 9', null],
  ])('%s', (_name, password, problem) => {
    expect(passwordProblem(password, person)).toBe(problem);
  });

  it.each<[string, string, string]>([
    ['11 characters', 'x7#Qm!pL2vR', 'Use at least 12 characters. A few unrelated words make a long password that is easy to remember.'],
    ['257 characters', 'x7#Qm!pL2vR9'.repeat(21) + 'abcde', 'Use at most 256 characters.'],
    ['listed', 'qwerty123456', 'This password is on a list of passwords that are widely used or were published in data breaches (also with digits or symbols added). Choose another one.'],
  ])('the schema refuses %s with a message that says what to do', (_name, password, message) => {
    const r = newPassword.safeParse(password);
    expect(r.success).toBe(false);
    expect(translateIssues(r.error!.issues, translator('en'))._).toBe(message);
  });

  it('takes 12 and 256 characters', () => {
    expect(newPassword.safeParse('x7#Qm!pL2vR9').success).toBe(true);
    expect(newPassword.safeParse(('x7#Qm!pL2vR9'.repeat(22)).slice(0, 256)).success).toBe(true);
  });

  it('speaks German', () => {
    const r = newPassword.safeParse('kurz');
    expect(translateIssues(r.error!.issues, translator('de'))._).toMatch(/^Verwenden Sie mindestens 12 Zeichen/);
  });
});
