/**
 * Thrown when bytes are not exactly one well-formed chunk. Its own file so that the readers of
 * every section can throw it without importing the codec that uses them.
 */
export class ChunkFormatError extends Error {
  override readonly name = 'ChunkFormatError';
}
