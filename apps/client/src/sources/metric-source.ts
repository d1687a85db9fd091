/** One value to LOG. */
export interface Sample {
  id: string;
  value: number;
}

/** Where the load loop gets its values: random walks, or the host's own statistics. */
export interface MetricSource {
  next(): Sample;
}
