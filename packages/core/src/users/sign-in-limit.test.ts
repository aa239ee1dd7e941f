import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGN_IN_LIMIT, signInLimitFrom } from './sign-in-limit.js';

describe('SIGN_IN_RATE_LIMIT', () => {
  it.each([
    [undefined, DEFAULT_SIGN_IN_LIMIT],
    ['', DEFAULT_SIGN_IN_LIMIT],
    ['3/10', { max: 3, seconds: 10 }],
    [' 60 / 60 ', { max: 60, seconds: 60 }],
    ['10000/3600', { max: 10_000, seconds: 3_600 }],
    ['1/1', { max: 1, seconds: 1 }],
  ])('reads %j', (value, limit) => {
    expect(signInLimitFrom(value)).toEqual(limit);
  });

  it.each(['0/10', '3/0', '10001/10', '3/3601', '3', '3/10s', '-1/10', '1.5/10', 'drei/zehn'])('refuses %j, saying what it must be', (value) => {
    expect(() => signInLimitFrom(value)).toThrow(`SIGN_IN_RATE_LIMIT must be "<attempts>/<seconds>" (1 to 10000 attempts within 1 to 3600 seconds), e.g. "3/10", not "${value}"`);
  });
});
