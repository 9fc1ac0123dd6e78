/** A Mermaid flowchart of a state machine (ASL), so reviewers see the flow, not the JSON. */

interface State {
  Type?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<{ Next?: string }>;
  Catch?: Array<{ Next?: string; ErrorEquals?: string[] }>;
  Branches?: Definition[];
  Iterator?: Definition;
  ItemProcessor?: Definition;
}
interface Definition {
  StartAt?: string;
  States?: Record<string, State>;
}

/** States catching to one target with one error list, from which on that path is drawn once. */
const SHARED_CATCH_MIN = 3;

export function mermaid(definition: Record<string, unknown>, added: string[] = []): string {
  const lines = ['flowchart TD'];
  const ids = new Map<string, string>();
  let counter = 0;
  const id = (scope: string, name: string) => {
    const key = `${scope}/${name}`;
    if (!ids.has(key)) ids.set(key, `s${counter++}`);
    return ids.get(key)!;
  };
  const label = (text: string) => text.replace(/"/g, '#quot;').replace(/[<>]/g, '');
  const addedIds: string[] = [];
  const catches: Array<{ indent: string; from: string; to: string; edge: string }> = [];

  const render = (def: Definition, scope: string, indent: string, entry?: string) => {
    const states = def.States ?? {};
    if (entry && def.StartAt) lines.push(`${indent}${entry} --> ${id(scope, def.StartAt)}`);
    for (const [name, state] of Object.entries(states)) {
      const node = id(scope, name);
      const shape = state.Type === 'Choice' ? `{"${label(name)}"}` : state.Type === 'Succeed' || state.Type === 'Fail' ? `(["${label(name)}"])` : `["${label(name)}"]`;
      if (added.includes(name)) addedIds.push(node);
      const nested = [...(state.Branches ?? []), ...(state.Iterator ? [state.Iterator] : []), ...(state.ItemProcessor ? [state.ItemProcessor] : [])];
      if (nested.length > 0) {
        lines.push(`${indent}subgraph ${node}_group ["${label(name)} (${state.Type})"]`);
        lines.push(`${indent}  ${node}${shape}`);
        nested.forEach((branch, index) => render(branch, `${scope}/${name}[${index}]`, `${indent}  `, node));
        lines.push(`${indent}end`);
      } else lines.push(`${indent}${node}${shape}`);
      const edges: Array<[string | undefined, string]> = [[state.Next, ''], [state.Default, '|default|'], ...(state.Choices ?? []).map((c, i): [string | undefined, string] => [c.Next, `|choice ${i + 1}|`])];
      for (const [target, edge] of edges) if (target) lines.push(`${indent}${node} -->${edge} ${id(scope, target)}`);
      for (const caught of state.Catch ?? []) if (caught.Next) catches.push({ indent, from: node, to: id(scope, caught.Next), edge: `catch ${label((caught.ErrorEquals ?? []).join(','))}` });
      // Inside a Parallel or Map branch, End hands control back to the parent state.
      if ((state.End || state.Type === 'Succeed') && scope === '') lines.push(`${indent}${node} --> done((end))`);
    }
  };
  const def = definition as Definition;
  lines.push('  start((start))');
  render(def, '', '  ', 'start');
  // The failure path most states share (catch States.ALL -> notify) is drawn once, from a legend, and the
  // states that take it get a dashed border: twenty identical edges hid the flow itself.
  const groups = new Map<string, typeof catches>();
  for (const caught of catches) groups.set(`${caught.to}|${caught.edge}`, [...(groups.get(`${caught.to}|${caught.edge}`) ?? []), caught]);
  const [common] = [...groups.values()].filter((group) => group.length >= SHARED_CATCH_MIN).sort((a, b) => b.length - a.length);
  for (const caught of catches) if (!common?.includes(caught)) lines.push(`${caught.indent}${caught.from} -->|${caught.edge}| ${caught.to}`);
  if (common) {
    lines.push(`  caught[/"dashed border: ${common[0]!.edge}"/] -.->|${common[0]!.edge}| ${common[0]!.to}`);
    lines.push('  classDef caught stroke-dasharray:4 3', `  class ${[...new Set(common.map((caught) => caught.from))].join(',')} caught`);
  }
  if (addedIds.length > 0) lines.push('  classDef added fill:#d4f8d4,stroke:#2a7a2a', `  class ${addedIds.join(',')} added`);
  return lines.join('\n');
}
