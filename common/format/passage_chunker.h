// Cuts documents into passages of bounded size for `codi import-text`: at
// paragraph boundaries when a paragraph fits, else at sentence boundaries,
// else (a single sentence longer than a passage) at word boundaries. A word is
// never split, unless it alone is longer than a passage (a run of text without
// spaces); then it is cut between characters. Sizes count Unicode characters
// (code points) of UTF-8 text.
//
// Streaming: the chunker holds one passage in progress and emits each passage
// as soon as it is complete, so memory is bounded by the passage size and the
// paragraph handed in, never by the document.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace codi {

struct ChunkOptions {
  // The most characters in a passage.
  size_t chunk_chars = 1500;
  // Characters at the end of a passage repeated at the start of the next one
  // (whole sentences when they fit, else whole words); must be below
  // chunk_chars. 0: passages do not overlap.
  size_t overlap_chars = 0;
};

// Number of Unicode characters in UTF-8 text.
size_t Utf8CharCount(std::string_view text);

// `text` with runs of ASCII whitespace (newlines included) made one space and
// the ends trimmed.
std::string CollapseWhitespace(std::string_view text);

// The sentences of whitespace-collapsed text: each ends after '.', '!' or '?'
// (and any closing quotes or brackets) followed by a space, or after a CJK
// full stop, exclamation or question mark; "Dr." and initials such as "J." do
// not end a sentence.
std::vector<std::string_view> SplitSentences(std::string_view text);

class PassageChunker {
 public:
  using Emit = std::function<void(std::string passage)>;

  PassageChunker(ChunkOptions options, Emit emit);

  // Adds a paragraph of the current document; its whitespace is collapsed.
  // Paragraphs are joined by a blank line within a passage. `continues`: the
  // next call goes on with the same paragraph (a caller that cannot hold a
  // very long paragraph whole hands it in parts, cut at spaces).
  void AddParagraph(std::string_view text, bool continues = false);

  // Ends the current document: emits the passage in progress. Nothing
  // overlaps into the next document's first passage.
  void Finish();

 private:
  // Adds a sentence or a shorter piece, `separator` before it unless it
  // starts a passage.
  void AddPiece(std::string_view piece, std::string_view separator);
  // Starts a passage with the overlap from the last one, then `piece`.
  void StartPassage(std::string_view piece, std::string_view separator);
  void EmitPassage();
  bool Fits(std::string_view separator, size_t piece_chars) const;

  ChunkOptions options_;
  Emit emit_;
  std::string passage_;           // the passage in progress
  size_t passage_chars_ = 0;      // its length in characters
  bool passage_has_new_ = false;  // holds more than the overlap
  bool paragraph_open_ = false;   // the last paragraph goes on in the next call
  std::string overlap_;           // the end of the last passage emitted
};

}  // namespace codi
