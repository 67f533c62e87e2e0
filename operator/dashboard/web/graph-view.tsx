// The stage graph: one column per stage in pipeline order, generate's batches fanned out in
// their column, each node with its state, duration, headline and counts. A node is a button:
// choosing it shows its log and artifacts below.
import type { GraphNode, GraphStage } from '../model.js';
import { between, counts, duration } from './format.js';
import { StateBadge } from './state.js';

function Node(props: { node: GraphNode; selected: boolean; onSelect(id: string): void; label: string; now: number }) {
  const n = props.node;
  const ms = n.durationMs ?? (n.state === 'Running' ? between(n.startTime, undefined, props.now) : undefined);
  return (
    <button type="button" class={`node state-${n.state.toLowerCase()}${props.selected ? ' selected' : ''}`} data-node={n.id} data-state={n.state}
      aria-pressed={props.selected} onClick={() => props.onSelect(n.id)} title={n.message ?? n.headline ?? ''}>
      <span class="node-title">{props.label}</span>
      <StateBadge state={n.state} />
      {ms !== undefined && <span class="node-duration">{duration(ms)}</span>}
      {n.headline && <span class="node-headline">{n.headline}</span>}
      {!n.headline && n.message && <span class="node-headline">{n.message}</span>}
      {n.counts && <span class="node-counts">{counts(n.counts)}</span>}
    </button>
  );
}

export function StageGraph(props: { stages: GraphStage[]; selected?: string; onSelect(id: string): void; now: number }) {
  return (
    <div class="graph" role="list" aria-label="stage graph">
      {props.stages.map((s, i) => (
        <div class={`graph-column${s.units ? ' fanned' : ''}`} role="listitem" key={s.stage}>
          {i > 0 && <span class="edge" aria-hidden="true">→</span>}
          <div class="graph-stage">
            <Node node={s.node} label={`${i + 1}. ${s.stage}`} selected={props.selected === s.node.id} onSelect={props.onSelect} now={props.now} />
            {s.units && (
              <div class="units">
                {s.units.map((u) => <Node key={u.id} node={u} label={u.unit ?? u.id} selected={props.selected === u.id} onSelect={props.onSelect} now={props.now} />)}
              </div>
            )}
          </div>
        </div>
      ))}
    </div>
  );
}
