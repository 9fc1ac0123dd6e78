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
      const edges: Array<[string | undefined, string]> = [[state.Next, ''], [state.Default, '|default|'], ...(state.Choices ?? []).map((c, i): [string | undefined, string] => [c.Next, `|choice ${i + 1}|`]), ...(state.Catch ?? []).map((c): [string | undefined, string] => [c.Next, `|catch ${label((c.ErrorEquals ?? []).join(','))}|`])];
      for (const [target, edge] of edges) if (target) lines.push(`${indent}${node} -->${edge} ${id(scope, target)}`);
      // Inside a Parallel or Map branch, End hands control back to the parent state.
      if ((state.End || state.Type === 'Succeed') && scope === '') lines.push(`${indent}${node} --> done((end))`);
    }
  };
  const def = definition as Definition;
  lines.push('  start((start))');
  render(def, '', '  ', 'start');
  if (addedIds.length > 0) lines.push('  classDef added fill:#d4f8d4,stroke:#2a7a2a', `  class ${addedIds.join(',')} added`);
  return lines.join('\n');
}
