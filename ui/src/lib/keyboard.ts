/** The parts of a KeyboardEvent the Enter handling looks at. */
export type EnterKeyEvent = {
  key: string;
  isComposing?: boolean;
  keyCode?: number;
  shiftKey?: boolean;
  altKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  preventDefault(): void;
};

/** keyCode browsers report for key events that belong to an IME composition. */
export const IME_PROCESS_KEYCODE = 229;

/**
 * True when this Enter confirms an IME conversion (かな漢字変換) rather than
 * being a plain Enter. WebKit reports the confirming Enter after compositionend
 * with isComposing=false but keyCode 229, so both are checked.
 */
export function isImeEnter(event: Pick<EnterKeyEvent, 'key' | 'isComposing' | 'keyCode'>): boolean {
  return event.isComposing === true || event.keyCode === IME_PROCESS_KEYCODE || event.key === 'Process';
}

/** A plain Enter that should submit: no IME composition, no modifier. */
export function isSubmitEnter(event: EnterKeyEvent): boolean {
  if (event.key !== 'Enter') return false;
  if (isImeEnter(event)) return false;
  return !(event.shiftKey || event.altKey || event.ctrlKey || event.metaKey);
}

/**
 * A keydown handler that calls `submit` on a plain Enter and leaves every
 * other key, and every Enter that belongs to an IME, to the browser. The
 * browser's own implicit form submission is prevented so that Enter submits
 * through this one path only.
 */
export function submitOnEnter(submit: () => void): (event: EnterKeyEvent) => void {
  return (event) => {
    if (!isSubmitEnter(event)) return;
    event.preventDefault();
    submit();
  };
}
