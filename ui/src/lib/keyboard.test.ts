import { describe, expect, it, vi, type Mock } from 'vitest';
import { IME_PROCESS_KEYCODE, isSubmitEnter, submitOnEnter, type EnterKeyEvent } from './keyboard';

function key(init: Partial<EnterKeyEvent> & { key: string }): EnterKeyEvent & { preventDefault: Mock<() => void> } {
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
