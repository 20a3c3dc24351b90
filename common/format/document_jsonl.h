// Seed documents in JSONL, one object a line (SPEC section 3):
//   {"id": "vancouver", "text": "...", "title": "...", "seeds": {"questions": ["...", "..."]}}
// `title` and `seeds` are optional; unknown top-level fields are ignored, since corpora carry
// extra fields. Files are streamed line by line, never loaded whole.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "codi/v1/conversation.pb.h"
#include "common/base/utf8.h"

namespace codi {

inline constexpr uint64_t kDefaultMaxDocumentTextBytes = 200000;
inline constexpr uint64_t kMaxDocumentLineBytes = uint64_t{16} << 20;
inline constexpr size_t kMaxDocumentIdBytes = 512;

// Parses one JSONL line into a document. The error (InvalidArgument) is one line naming the
// field: `field "text": expected a non-empty string`, `field "seeds.questions[2]": expected a
// string`, `not valid UTF-8 in field "text" at byte 57`, `invalid JSON: <parser message>`,
// `document text is 300000 bytes, over the limit of 200000`. `id` may also be a JSON integer,
// kept as its decimal text. max_text_bytes == 0 means no limit. Never throws.
[[nodiscard]] absl::StatusOr<v1::Document> ParseDocumentJson(std::string_view line,
                                                             uint64_t max_text_bytes);

// The document as one compact JSON line (no trailing newline), fields in the order id, text,
// title, seeds; empty title and seeds are left out, seed pools sorted by name. Bytes that are
// not valid UTF-8 are written as U+FFFD. ParseDocumentJson reads it back unchanged.
std::string DocumentToJsonLine(const v1::Document& doc);

// Streams documents from a JSONL file, starting at a byte offset. Blank lines are skipped.
// A bad line yields an Entry whose status reads "FILE:LINE: <error>" and reading goes on with
// the next line. Not thread-safe: one reader belongs to one thread at a time.
class DocumentJsonlReader {
 public:
  struct Entry {
    absl::StatusOr<v1::Document> document;
    uint64_t line;        // 1-based line number in the file
    uint64_t end_offset;  // byte offset just after this line: a cursor to persist and reopen at
  };

  // Opens `path` at byte `offset`; `line_number` is the number of lines before that offset
  // (the line of the last Entry read, when resuming at its end_offset). NotFound names a
  // missing file; an offset past the end is OutOfRange. Lines longer than max_line_bytes are
  // reported as errors without being held in memory.
  [[nodiscard]] static absl::StatusOr<DocumentJsonlReader> Open(
      const std::string& path, uint64_t offset = 0, uint64_t line_number = 0,
      uint64_t max_text_bytes = kDefaultMaxDocumentTextBytes,
      uint64_t max_line_bytes = kMaxDocumentLineBytes);

  // Streams documents from `bytes` exactly as Open streams a file holding them (the same
  // line reader, through an in-memory FILE); `source_name` stands for the path in errors.
  // For tests and fuzzing, which must not depend on temporary files.
  [[nodiscard]] static absl::StatusOr<DocumentJsonlReader> FromBytes(
      std::string bytes, std::string source_name,
      uint64_t max_text_bytes = kDefaultMaxDocumentTextBytes,
      uint64_t max_line_bytes = kMaxDocumentLineBytes);

  DocumentJsonlReader(DocumentJsonlReader&&) = default;
  DocumentJsonlReader& operator=(DocumentJsonlReader&&) = default;

  // The next document or error, or nullopt at the end of the file. A read error is returned
  // once as an error Entry; after it the reader is at its end.
  std::optional<Entry> Next();

  // Byte offset of the next unread line.
  uint64_t offset() const { return offset_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  enum class ReadResult { kLine, kTooLong, kEnd, kError };

  DocumentJsonlReader(std::string path, std::unique_ptr<std::FILE, FileCloser> file,
                      uint64_t offset, uint64_t line_number, uint64_t max_text_bytes,
                      uint64_t max_line_bytes);
  // Reads up to and including the next '\n' (or the end of the file) into line_, which
  // holds at most max_line_bytes_ bytes.
  ReadResult ReadLine();

  std::string path_;
  // The bytes FromBytes reads; declared before file_ so that the FILE reading them is closed
  // first. A unique_ptr keeps their address when the reader moves.
  std::unique_ptr<std::string> memory_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  uint64_t offset_;
  uint64_t line_number_;
  uint64_t max_text_bytes_;
  uint64_t max_line_bytes_;
  std::string buffer_;
  size_t buffer_pos_ = 0;
  size_t buffer_len_ = 0;
  std::string line_;
  bool done_ = false;
};

}  // namespace codi
