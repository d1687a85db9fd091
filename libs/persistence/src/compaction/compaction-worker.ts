import { parentPort } from 'node:worker_threads';
import { runCompaction } from './compaction-job';
import type { CompactionTask } from './compaction-job';

/**
 * The compaction worker thread's script (its own entry of the server's build: rspack.config.js):
 * runs each task it is sent and answers with the result or the error's message.
 */
parentPort?.on('message', (task: CompactionTask) => {
  runCompaction(task).then(
    (result) => parentPort?.postMessage({ result }),
    (error: unknown) =>
      parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
