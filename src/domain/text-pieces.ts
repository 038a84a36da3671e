/**
 * Downloads (artifacts, generated and uploaded files) stream lines of text read a page of rows at
 * a time. A page written as one string of hundreds of kilobytes is a large object to V8: it is
 * allocated straight in the old generation and freed only by a full collection, so a 100,000-row
 * download piled up well over 100 MB of dead pages before one came. Pieces below the large-object
 * size live and die in the young generation instead.
 */

/** Characters a piece holds at most (plus one line): far below V8's 128 KiB large objects, even at two bytes a character. */
const PIECE_CHARACTERS = 32 * 1024;

/** `lines` joined into pieces of about PIECE_CHARACTERS, in order; a longer line is a piece of its own. */
export function* textPieces(lines: Iterable<string>): Generator<string> {
  let piece = '';
  for (const line of lines) {
    if (piece.length > 0 && piece.length + line.length > PIECE_CHARACTERS) {
      yield piece;
      piece = '';
    }
    piece += line;
  }
  if (piece.length > 0) yield piece;
}
