/** The text with every (case-insensitive) occurrence of `term` in a <mark>. */
export function Highlight({ text, term }: { text: string; term: string }) {
  if (!term) return <>{text}</>;
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = text.split(new RegExp(`(${escaped})`, 'gi'));
  return (
    <>
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <mark key={i} className="log-hit" data-testid="log-hit">
            {p}
          </mark>
        ) : (
          p
        ),
      )}
    </>
  );
}
