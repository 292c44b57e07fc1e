import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal confirmation on the native <dialog> (focus moves into it and stays there, Escape
 * cancels, focus returns to the opener when it closes).
 */
export function ConfirmDialog(props: { isOpen: boolean; title: string; children: ComponentChildren; confirmLabel: string; isDanger?: boolean; isBusy?: boolean; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.isOpen && !dialog.open) dialog.showModal();
    if (!props.isOpen && dialog.open) dialog.close();
  }, [props.isOpen]);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title" onCancel={(event) => {
      event.preventDefault();
      props.onCancel();
    }}>
      <h2 id="dialog-title">{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      <div class="dialog-actions">
        <button type="button" class="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class={`button ${props.isDanger ? 'button-danger' : 'button-primary'}`} onClick={props.onConfirm} disabled={props.isBusy}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
