import { describe, expect, it } from 'vitest';
import { redactUrlPassword } from './url-password.js';

describe('redactUrlPassword', () => {
  it.each([
    ['http://user:pass@proxy:3128', 'http://user:xxxxx@proxy:3128'],
    ['https://u:p@w@host/path?q=a@b', 'https://u:xxxxx@host/path?q=a@b'],
    ['http://user@host/x', 'http://user@host/x'],
    ['http://host:9100/metrics', 'http://host:9100/metrics'],
    ['user:pass@host:9100', 'user:xxxxx@host:9100'],
    ['10.0.0.1:9100', '10.0.0.1:9100'],
  ])('%s is shown as %s', (input, shown) => {
    expect(redactUrlPassword(input)).toBe(shown);
  });
});
