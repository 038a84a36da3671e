/** Buttons that do one thing well: copy text, and ask once more before a destructive action. */
import { useEffect, useRef, useState, type ReactNode } from 'react';

export function CopyButton({ text, label = 'Copy', describedThing }: { text: string; label?: string; describedThing?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2500);
    return () => window.clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="copy">
      <button type="button" className="button small" onClick={() => void copy()} aria-label={describedThing ? `${label} ${describedThing}` : undefined}>
        {label}
      </button>
      <span role="status" className="copy-status">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text and copy it by hand' : ''}
      </span>
    </span>
  );
}

interface ConfirmButtonProps {
  /** The button's text, e.g. "Revoke". */
  children: ReactNode;
  /** What it acts on, for screen readers: "Revoke key production-worker". */
  accessibleLabel: string;
  /** The question asked before acting. */
  question: string;
  confirmText: string;
  onConfirm(): void | Promise<void>;
  disabled?: boolean;
}

/** A destructive action in two steps: the first press asks, the second acts; Cancel or Escape backs out. */
export function ConfirmButton({ children, accessibleLabel, question, confirmText, onConfirm, disabled }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) openerRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button ref={openerRef} type="button" className="button danger small" aria-label={accessibleLabel} disabled={disabled} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question} onKeyDown={(event) => event.key === 'Escape' && setAsking(false)}>
      <span className="confirm-question">{question}</span>
      <button
        ref={confirmRef}
        type="button"
        className="button danger small"
        onClick={() => {
          setAsking(false);
          void onConfirm();
        }}
      >
        {confirmText}
      </button>
      <button type="button" className="button small" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
