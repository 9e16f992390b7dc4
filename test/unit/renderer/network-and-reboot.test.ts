/**
 * The page tells the core when the network came back (`online`, once per burst, through
 * `system.networkChanged`), and what the dashboard says about a reboot: Docker Desktop's setting
 * off (offer to turn it on), and the Windows note.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ONLINE_DEBOUNCE_MS, watchOnline } from '../../../renderer/src/lib/network';
import { dockerLoginNotice } from '../../../renderer/src/dashboard/docker-login-notice';

afterEach(() => {
  vi.useRealTimers();
});

describe('watchOnline', () => {
  it('sends once per burst of online events, after the debounce, and nothing for other events', async () => {
    vi.useFakeTimers();
    const target = new EventTarget();
    const send = vi.fn(async () => null);
    const stop = watchOnline(target, send);
    target.dispatchEvent(new Event('offline'));
    target.dispatchEvent(new Event('online'));
    target.dispatchEvent(new Event('online'));
    vi.advanceTimersByTime(ONLINE_DEBOUNCE_MS - 1);
    expect(send).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(send).toHaveBeenCalledTimes(1);
    target.dispatchEvent(new Event('online'));
    vi.advanceTimersByTime(ONLINE_DEBOUNCE_MS);
    expect(send).toHaveBeenCalledTimes(2);
    stop();
  });

  it('stops listening, and drops a send not made yet, when stopped', () => {
    vi.useFakeTimers();
    const target = new EventTarget();
    const send = vi.fn(async () => null);
    const stop = watchOnline(target, send);
    target.dispatchEvent(new Event('online'));
    stop();
    vi.advanceTimersByTime(ONLINE_DEBOUNCE_MS * 2);
    target.dispatchEvent(new Event('online'));
    vi.advanceTimersByTime(ONLINE_DEBOUNCE_MS * 2);
    expect(send).not.toHaveBeenCalled();
  });

  it('logs a send that fails instead of throwing', async () => {
    vi.useFakeTimers();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const target = new EventTarget();
    watchOnline(target, async () => {
      throw new Error('disconnected');
    });
    target.dispatchEvent(new Event('online'));
    vi.advanceTimersByTime(ONLINE_DEBOUNCE_MS);
    await vi.waitFor(() => expect(error).toHaveBeenCalledWith('telling Engawa the network came back failed:', expect.any(Error)));
    error.mockRestore();
  });
});

describe('dockerLoginNotice', () => {
  it('offers to turn Docker Desktop’s setting on only when it is known to be off', () => {
    expect(dockerLoginNotice('darwin', { enabled: false, file: '/f' }).autostartOff).toBe(true);
    expect(dockerLoginNotice('darwin', { enabled: true, file: '/f' }).autostartOff).toBe(false);
    expect(dockerLoginNotice('darwin', { enabled: null, file: null, reason: 'no-file' }).autostartOff).toBe(false);
    expect(dockerLoginNotice('darwin', null).autostartOff).toBe(false);
  });

  it('says what a reboot means on Windows only', () => {
    expect(dockerLoginNotice('win32', null).windowsReboot).toBe(true);
    expect(dockerLoginNotice('darwin', null).windowsReboot).toBe(false);
    expect(dockerLoginNotice('linux', null).windowsReboot).toBe(false);
    expect(dockerLoginNotice(undefined, null).windowsReboot).toBe(false);
  });
});
