/** A small line chart of recent values (SVG, no library), scaled to its largest value. */
export function Sparkline(props: { values: readonly number[]; label: string; max?: number }) {
  const width = 240;
  const height = 48;
  const max = Math.max(props.max ?? 0, ...props.values, 1e-9);
  const step = props.values.length > 1 ? width / (props.values.length - 1) : width;
  const points = props.values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * (height - 4) - 2).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.label} preserveAspectRatio="none">
      {props.values.length > 1 && <polyline points={points} fill="none" strokeWidth="2" vectorEffect="non-scaling-stroke" />}
    </svg>
  );
}
