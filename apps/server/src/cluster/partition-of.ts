/**
 * The partition of a metric id: 32-bit FNV-1a of its characters (ids are ASCII), modulo the
 * cluster's partition count. Every node must compute the same value for ever: changing this
 * function moves metrics away from their stored values, like changing the partition count.
 */
export function partitionOf(id: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/**
 * Rendezvous (highest random weight) choice of a partition's preferred owner among the live
 * nodes: every node computes the same answer from the same set, and when a node joins or leaves
 * only the partitions it wins or held move.
 */
export function preferredOwner(partition: number, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const node of nodes) {
    const score = partitionOf(`${partition}/${node}`, 0x7fffffff);
    if (score > bestScore || (score === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}
