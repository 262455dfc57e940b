/** The parts of a KeyboardEvent the Enter and Esc handling looks at. */
export type KeyEvent = {
  key: string;
  isComposing?: boolean;
  keyCode?: number;
  shiftKey?: boolean;
  altKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  defaultPrevented?: boolean;
  preventDefault(): void;
};

/** keyCode browsers report for key events that belong to an IME composition. */
export const IME_PROCESS_KEYCODE = 229;

/**
 * True when this key belongs to an IME (かな漢字変換) rather than to the page: the Enter that
 * confirms a conversion, the Esc that cancels one. WebKit reports that last key after
 * compositionend with isComposing=false but keyCode 229, so both are checked.
 */
export function isImeKey(event: Pick<KeyEvent, 'key' | 'isComposing' | 'keyCode'>): boolean {
  return event.isComposing === true || event.keyCode === IME_PROCESS_KEYCODE || event.key === 'Process';
}

/** A plain Enter that should submit: no IME composition, no modifier. */
export function isSubmitEnter(event: KeyEvent): boolean {
  if (event.key !== 'Enter') return false;
  if (isImeKey(event)) return false;
  return !(event.shiftKey || event.altKey || event.ctrlKey || event.metaKey);
}

/**
 * A keydown handler that calls `submit` on a plain Enter and leaves every
 * other key, and every Enter that belongs to an IME, to the browser. The
 * browser's own implicit form submission is prevented so that Enter submits
 * through this one path only.
 */
export function submitOnEnter(submit: () => void): (event: KeyEvent) => void {
  return (event) => {
    if (!isSubmitEnter(event)) return;
    event.preventDefault();
    submit();
  };
}

/**
 * A plain Esc that should go back: not one that cancels an IME conversion, and not one a
 * handler nearer the focus (a sub-step going back within its screen) has already used.
 */
export function isBackEscape(event: KeyEvent): boolean {
  if (event.key !== 'Escape' || event.defaultPrevented) return false;
  return !isImeKey(event);
}

/**
 * A keydown handler that calls `back` on a plain Esc and marks the key as used, so that the
 * screen's own Esc (back to the previous screen) leaves it alone.
 */
export function backOnEscape(back: () => void): (event: KeyEvent) => void {
  return (event) => {
    if (!isBackEscape(event)) return;
    event.preventDefault();
    back();
  };
}

/**
 * The same, attached to a sub-step's container (`{@attach escapeBack(…)}`): Esc anywhere inside
 * steps back within the screen instead of leaving it. A listener on the element runs before the
 * screen's one on the window.
 */
export function escapeBack(back: () => void): (node: HTMLElement) => () => void {
  return (node) => {
    const handler = backOnEscape(back);
    node.addEventListener('keydown', handler);
    return () => node.removeEventListener('keydown', handler);
  };
}
