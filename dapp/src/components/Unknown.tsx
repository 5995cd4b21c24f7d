/** A figure the page does not know: the word "unknown" and, beside it, why. Never a zero. */
export function Unknown({ reason, testId }: { reason: string; testId?: string }) {
  return (
    <span className="unknown" data-testid={testId} data-unknown="true" title={reason}>
      unknown <span className="unknown-reason">({reason})</span>
    </span>
  );
}
