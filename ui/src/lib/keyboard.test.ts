import { describe, expect, it, vi, type Mock } from 'vitest';
import {
  backOnEscape,
  escapeBack,
  IME_PROCESS_KEYCODE,
  isBackEscape,
  isImeKey,
  isSubmitEnter,
  submitOnEnter,
  type KeyEvent,
} from './keyboard';

function key(init: Partial<KeyEvent> & { key: string }): KeyEvent & { preventDefault: Mock<() => void> } {
  return { isComposing: false, keyCode: init.key === 'Enter' ? 13 : 0, ...init, preventDefault: vi.fn<() => void>() };
}

describe('submitOnEnter', () => {
  it('submits on a plain Enter and stops the browser’s own submission', () => {
    const submit = vi.fn();
    const event = key({ key: 'Enter' });
    submitOnEnter(submit)(event);
    expect(submit).toHaveBeenCalledTimes(1);
    expect(event.preventDefault).toHaveBeenCalledTimes(1);
  });

  it('never submits while an IME is composing (isComposing)', () => {
    const submit = vi.fn();
    const event = key({ key: 'Enter', isComposing: true });
    submitOnEnter(submit)(event);
    expect(submit).not.toHaveBeenCalled();
    // The IME must get the key to confirm the conversion.
    expect(event.preventDefault).not.toHaveBeenCalled();
  });

  it('never submits on the WebKit confirm-Enter (keyCode 229 after compositionend)', () => {
    const submit = vi.fn();
    const event = key({ key: 'Enter', isComposing: false, keyCode: IME_PROCESS_KEYCODE });
    submitOnEnter(submit)(event);
    expect(submit).not.toHaveBeenCalled();
    expect(event.preventDefault).not.toHaveBeenCalled();
  });

  it('ignores other keys and modified Enters', () => {
    const submit = vi.fn();
    const handler = submitOnEnter(submit);
    for (const event of [
      key({ key: 'a' }),
      key({ key: 'Process', keyCode: IME_PROCESS_KEYCODE }),
      key({ key: 'Enter', shiftKey: true }),
      key({ key: 'Enter', ctrlKey: true }),
      key({ key: 'Enter', altKey: true }),
      key({ key: 'Enter', metaKey: true }),
    ]) {
      handler(event);
      expect(event.preventDefault).not.toHaveBeenCalled();
    }
    expect(submit).not.toHaveBeenCalled();
  });

  it('isSubmitEnter agrees', () => {
    expect(isSubmitEnter(key({ key: 'Enter' }))).toBe(true);
    expect(isSubmitEnter(key({ key: 'Enter', isComposing: true }))).toBe(false);
    expect(isSubmitEnter(key({ key: 'Enter', keyCode: 229 }))).toBe(false);
  });
});

describe('isImeKey', () => {
  it('is true for every key of a composition, however WebKit reports it', () => {
    expect(isImeKey(key({ key: 'Escape', isComposing: true }))).toBe(true);
    expect(isImeKey(key({ key: 'Escape', keyCode: IME_PROCESS_KEYCODE }))).toBe(true);
    expect(isImeKey(key({ key: 'Process' }))).toBe(true);
    expect(isImeKey(key({ key: 'Escape', keyCode: 27 }))).toBe(false);
  });
});

describe('backOnEscape', () => {
  it('goes back on a plain Esc and marks the key as used', () => {
    const back = vi.fn();
    const event = key({ key: 'Escape', keyCode: 27 });
    backOnEscape(back)(event);
    expect(back).toHaveBeenCalledTimes(1);
    expect(event.preventDefault).toHaveBeenCalledTimes(1);
  });

  it('leaves the Esc that cancels an IME conversion to the IME (isComposing)', () => {
    const back = vi.fn();
    const event = key({ key: 'Escape', isComposing: true });
    backOnEscape(back)(event);
    expect(back).not.toHaveBeenCalled();
    expect(event.preventDefault).not.toHaveBeenCalled();
  });

  it('leaves the WebKit Esc after compositionend (keyCode 229, isComposing=false) to the IME', () => {
    const back = vi.fn();
    const event = key({ key: 'Escape', isComposing: false, keyCode: IME_PROCESS_KEYCODE });
    backOnEscape(back)(event);
    expect(back).not.toHaveBeenCalled();
    expect(event.preventDefault).not.toHaveBeenCalled();
  });

  it('does nothing on an Esc a nearer handler already used, nor on other keys', () => {
    const back = vi.fn();
    backOnEscape(back)(key({ key: 'Escape', keyCode: 27, defaultPrevented: true }));
    backOnEscape(back)(key({ key: 'Enter' }));
    expect(back).not.toHaveBeenCalled();
    expect(isBackEscape(key({ key: 'Escape', keyCode: 27 }))).toBe(true);
  });
});

describe('escapeBack', () => {
  it('listens on the element it is attached to, until detached', () => {
    const back = vi.fn();
    const listeners = new Map<string, (event: KeyEvent) => void>();
    const node = {
      addEventListener: (type: string, fn: (event: KeyEvent) => void) => listeners.set(type, fn),
      removeEventListener: (type: string) => listeners.delete(type),
    } as unknown as HTMLElement;
    const detach = escapeBack(back)(node);
    listeners.get('keydown')?.(key({ key: 'Escape', keyCode: 27 }));
    expect(back).toHaveBeenCalledTimes(1);
    detach();
    expect(listeners.has('keydown')).toBe(false);
  });
});
