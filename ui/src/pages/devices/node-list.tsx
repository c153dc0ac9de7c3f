import { useRpc } from "../../hooks";
import { ErrorText } from "../../common/fields";
import { NodeRow } from "./node-row";
import { PendingNodeRow } from "./pending-node-row";
import { NODE_EVENTS, type NodeList as NodeListResult, type NodePairList } from "./types";

/** Nodes and their pending capability surfaces, following the node.* and presence events. */
export function NodeList() {
  const nodes = useRpc<NodeListResult>("node.list", {}, NODE_EVENTS);
  const pairing = useRpc<NodePairList>("node.pair.list", {}, NODE_EVENTS);
  const pending = pairing.data?.pending ?? [];
  const known = nodes.data?.nodes ?? [];
  const reload = () => {
    nodes.reload();
    pairing.reload();
  };
  return (
    <div>
      <h2>Nodes</h2>
      <ErrorText error={nodes.error ? `Could not load nodes: ${nodes.error}` : null} />
      <ErrorText error={pairing.error ? `Could not load node pairing requests: ${pairing.error}` : null} />
      {pending.map((r) => (
        <PendingNodeRow key={r.requestId} request={r} onDone={reload} />
      ))}
      {nodes.data && known.length === 0 ? (
        <p class="muted">
          No nodes yet. A node host (for example <code>openclaw node run</code> on another machine) shows up here once it connects.
        </p>
      ) : null}
      <div class="grid">
        {known.map((n) => (
          <NodeRow key={n.nodeId} node={n} />
        ))}
      </div>
    </div>
  );
}
