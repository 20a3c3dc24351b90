// Fuzzes the seed-document JSONL reader (common/format/document_jsonl.h): the
// line reader the coordinator streams a documents file with, and the parser
// of one line. Every document read must write back (DocumentToJsonLine) to a
// line that reads back the same.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/format/document_jsonl.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void CheckRoundTrip(const codi::v1::Document& doc, uint64_t max_text_bytes) {
  const std::string line = codi::DocumentToJsonLine(doc);
  FUZZ_CHECK(line.find('\n') == std::string::npos, "written document spans lines: %s",
             line.c_str());
  absl::StatusOr<codi::v1::Document> again = codi::ParseDocumentJson(line, max_text_bytes);
  FUZZ_CHECK(again.ok(), "written document does not read back: %s",
             std::string(again.status().message()).c_str());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(doc, *again),
             "document changed through a write and read: %s", line.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  // Small limits too, so that over-long lines and texts are reached.
  const uint64_t max_line_bytes = size % 2 == 0 ? codi::kMaxDocumentLineBytes : 64;
  const uint64_t max_text_bytes = size % 3 == 0 ? codi::kDefaultMaxDocumentTextBytes : 32;

  absl::StatusOr<codi::DocumentJsonlReader> reader =
      codi::DocumentJsonlReader::FromBytes(bytes, "fuzz.jsonl", max_text_bytes, max_line_bytes);
  FUZZ_CHECK(reader.ok(), "cannot read from memory: %s",
             std::string(reader.status().message()).c_str());
  uint64_t last_line = 0;
  while (std::optional<codi::DocumentJsonlReader::Entry> entry = reader->Next()) {
    FUZZ_CHECK(entry->line > last_line, "line %llu after line %llu",
               static_cast<unsigned long long>(entry->line),
               static_cast<unsigned long long>(last_line));
    FUZZ_CHECK(entry->end_offset <= size, "offset %llu past the end (%zu)",
               static_cast<unsigned long long>(entry->end_offset), size);
    last_line = entry->line;
    if (!entry->document.ok()) {
      FUZZ_CHECK_CLEAR_ERROR(entry->document.status());
      continue;
    }
    CheckRoundTrip(*entry->document, max_text_bytes);
  }
  FUZZ_CHECK(reader->offset() == size, "stopped at %llu of %zu bytes",
             static_cast<unsigned long long>(reader->offset()), size);

  // The whole input as one line, as ParseDocumentJson is also called alone.
  absl::StatusOr<codi::v1::Document> doc = codi::ParseDocumentJson(bytes, 0);
  if (doc.ok()) {
    CheckRoundTrip(*doc, 0);
  } else {
    FUZZ_CHECK_CLEAR_ERROR(doc.status());
  }
  return 0;
}
