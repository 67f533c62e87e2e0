// A run's or a node's state as a coloured badge.
export function StateBadge(props: { state: string; title?: string }) {
  return <span class={`badge state-${props.state.toLowerCase()}`} title={props.title}>{props.state}</span>;
}
