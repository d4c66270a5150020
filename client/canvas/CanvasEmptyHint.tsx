export function CanvasEmptyHint() {
  return (
    <div className="pointer-events-none absolute inset-0 flex items-center justify-center" data-testid="canvas-empty">
      <div className="rounded-2xl border-2 border-dashed border-slate-300 bg-white/70 px-10 py-8 text-center backdrop-blur-sm">
        <p className="font-medium text-slate-700">This flow is empty</p>
        <p className="mt-1 text-sm text-slate-500">Drag a trigger from the left panel to start, then add steps and connect them.</p>
      </div>
    </div>
  );
}
