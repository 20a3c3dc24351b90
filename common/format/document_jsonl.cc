#include "common/format/document_jsonl.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/base/json_parse.h"
#include "common/base/status_macros.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

using nlohmann::json;

constexpr size_t kReadBufferBytes = 64 * 1024;

absl::Status FieldError(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("field \"", field, "\": ", problem));
}

// Where in the JSON the first invalid byte lies, as " in field \"seeds.questions[1]\"", or ""
// when that cannot be told. nlohmann refuses invalid UTF-8 outright, so the first bad byte is
// swapped for a marker (U+FFFF, a noncharacter no sane corpus holds), the others for U+FFFD,
// and the parsed tree is searched for the marker.
std::string LocateInvalidUtf8(std::string_view line, size_t bad) {
  constexpr std::string_view kMarker = "\xEF\xBF\xBF";
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  if (line.find(kMarker) != std::string_view::npos) return "";
  std::string sanitized;
  sanitized.reserve(line.size() + 16);
  sanitized.append(line.substr(0, bad));
  sanitized.append(kMarker);
  for (size_t i = bad + 1; i < line.size();) {
    const size_t len = Utf8SequenceLength(line, i);
    if (len == 0) {
      sanitized.append(kReplacement);
      ++i;
    } else {
      sanitized.append(line.substr(i, len));
      i += len;
    }
  }
  absl::StatusOr<json> parsed = ParseJson(sanitized);
  if (!parsed.ok()) return "";
  // Iterative walk: a hostile line may nest deeper than the stack allows recursion.
  std::vector<std::pair<const json*, std::string>> stack = {{&*parsed, ""}};
  while (!stack.empty()) {
    auto [node, path] = std::move(stack.back());
    stack.pop_back();
    if (node->is_string()) {
      if (node->get_ref<const std::string&>().find(kMarker) != std::string::npos) {
        return absl::StrCat(" in field \"", path, "\"");
      }
    } else if (node->is_object()) {
      for (auto it = node->begin(); it != node->end(); ++it) {
        if (it.key().find(kMarker) != std::string::npos) {
          return path.empty() ? " in a field name"
                              : absl::StrCat(" in a key of field \"", path, "\"");
        }
        stack.emplace_back(&it.value(),
                           path.empty() ? it.key() : absl::StrCat(path, ".", it.key()));
      }
    } else if (node->is_array()) {
      for (size_t i = 0; i < node->size(); ++i) {
        stack.emplace_back(&(*node)[i], absl::StrCat(path, "[", i, "]"));
      }
    }
  }
  return "";
}

bool IsControlCharacterAt(std::string_view s, size_t i, size_t* length) {
  const auto b = static_cast<unsigned char>(s[i]);
  *length = 1;
  if (b < 0x20 || b == 0x7F) return true;
  // C1 controls U+0080..U+009F are encoded as C2 80..C2 9F.
  if (b == 0xC2 && i + 1 < s.size()) {
    const auto next = static_cast<unsigned char>(s[i + 1]);
    *length = 2;
    return next >= 0x80 && next <= 0x9F;
  }
  return false;
}

absl::StatusOr<std::string> ParseId(const json& doc) {
  constexpr char kExpected[] = "expected a non-empty string or an integer";
  auto it = doc.find("id");
  if (it == doc.end()) return FieldError("id", kExpected);
  std::string id;
  if (it->is_string()) {
    id = it->get<std::string>();
  } else if (it->is_number_unsigned()) {
    id = std::to_string(it->get<uint64_t>());
  } else if (it->is_number_integer()) {
    id = std::to_string(it->get<int64_t>());
  } else {
    return FieldError("id", kExpected);
  }
  if (id.empty()) return FieldError("id", kExpected);
  if (id.size() > kMaxDocumentIdBytes) {
    return FieldError("id",
                      absl::StrCat(id.size(), " bytes, over the limit of ", kMaxDocumentIdBytes));
  }
  for (size_t i = 0; i < id.size();) {
    size_t len;
    if (IsControlCharacterAt(id, i, &len)) {
      return FieldError("id", absl::StrCat("control character at byte ", i));
    }
    i += len;
  }
  return id;
}

absl::Status ParseSeeds(const json& seeds, v1::Document* doc) {
  if (!seeds.is_object()) return FieldError("seeds", "expected an object of string arrays");
  for (auto it = seeds.begin(); it != seeds.end(); ++it) {
    const std::string field = absl::StrCat("seeds.", it.key());
    if (it.key().empty()) return FieldError("seeds", "a seed pool name is empty");
    if (!it->is_array()) return FieldError(field, "expected an array of strings");
    v1::StringList& pool = (*doc->mutable_seeds())[it.key()];
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      if (!item.is_string())
        return FieldError(absl::StrCat(field, "[", i, "]"), "expected a string");
      pool.add_items(item.get<std::string>());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Document> ParseDocument(std::string_view line, uint64_t max_text_bytes) {
  if (std::optional<size_t> bad = FirstInvalidUtf8Byte(line)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid UTF-8", LocateInvalidUtf8(line, *bad), " at byte ", *bad));
  }
  CODI_ASSIGN_OR_RETURN(json parsed, ParseJson(line));
  if (!parsed.is_object()) {
    return absl::InvalidArgumentError("expected a JSON object, got " + JsonKindName(parsed));
  }
  v1::Document doc;
  CODI_ASSIGN_OR_RETURN(*doc.mutable_id(), ParseId(parsed));

  auto text = parsed.find("text");
  if (text == parsed.end() || !text->is_string() || text->get_ref<const std::string&>().empty()) {
    return FieldError("text", "expected a non-empty string");
  }
  const std::string& text_value = text->get_ref<const std::string&>();
  if (max_text_bytes != 0 && text_value.size() > max_text_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("document text is ", text_value.size(),
                                                   " bytes, over the limit of ", max_text_bytes));
  }
  doc.set_text(text_value);

  if (auto title = parsed.find("title"); title != parsed.end() && !title->is_null()) {
    if (!title->is_string()) return FieldError("title", "expected a string");
    doc.set_title(title->get<std::string>());
  }
  if (auto seeds = parsed.find("seeds"); seeds != parsed.end() && !seeds->is_null()) {
    CODI_RETURN_IF_ERROR(ParseSeeds(*seeds, &doc));
  }
  return doc;
}

}  // namespace

absl::StatusOr<v1::Document> ParseDocumentJson(std::string_view line, uint64_t max_text_bytes) {
  absl::StatusOr<v1::Document> doc = ParseDocument(line, max_text_bytes);
  // On one line: a field path quotes the line's keys, which may hold a newline.
  if (!doc.ok()) {
    return absl::Status(doc.status().code(), EscapeControlCharacters(doc.status().message()));
  }
  return doc;
}

std::string DocumentToJsonLine(const v1::Document& doc) {
  nlohmann::ordered_json out;
  out["id"] = doc.id();
  out["text"] = doc.text();
  if (!doc.title().empty()) out["title"] = doc.title();
  if (!doc.seeds().empty()) {
    std::vector<std::string> names;
    for (const auto& [name, pool] : doc.seeds()) names.push_back(name);
    std::sort(names.begin(), names.end());
    nlohmann::ordered_json seeds = nlohmann::ordered_json::object();
    for (const std::string& name : names) {
      const v1::StringList& pool = doc.seeds().at(name);
      seeds[name] = std::vector<std::string>(pool.items().begin(), pool.items().end());
    }
    out["seeds"] = std::move(seeds);
  }
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

DocumentJsonlReader::DocumentJsonlReader(std::string path,
                                         std::unique_ptr<std::FILE, FileCloser> file,
                                         uint64_t offset, uint64_t line_number,
                                         uint64_t max_text_bytes, uint64_t max_line_bytes)
    : path_(std::move(path)),
      file_(std::move(file)),
      offset_(offset),
      line_number_(line_number),
      max_text_bytes_(max_text_bytes),
      max_line_bytes_(max_line_bytes),
      buffer_(kReadBufferBytes, '\0') {}

absl::StatusOr<DocumentJsonlReader> DocumentJsonlReader::Open(const std::string& path,
                                                              uint64_t offset, uint64_t line_number,
                                                              uint64_t max_text_bytes,
                                                              uint64_t max_line_bytes) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) {
    const int error = errno;
    if (error == ENOENT) return absl::NotFoundError(path + ": no such file");
    return absl::ErrnoToStatus(error, path + ": cannot open");
  }
  struct stat info;
  if (fstat(fileno(file.get()), &info) != 0) {
    return absl::ErrnoToStatus(errno, path + ": cannot stat");
  }
  if (S_ISDIR(info.st_mode)) return absl::InvalidArgumentError(path + ": is a directory");
  if (S_ISREG(info.st_mode) && offset > static_cast<uint64_t>(info.st_size)) {
    return absl::OutOfRangeError(absl::StrCat(
        path, ": offset ", offset, " is past the end of the file (", info.st_size, " bytes)"));
  }
  if (offset != 0 && fseeko(file.get(), static_cast<off_t>(offset), SEEK_SET) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot seek to offset ", offset));
  }
  return DocumentJsonlReader(path, std::move(file), offset, line_number, max_text_bytes,
                             max_line_bytes);
}

absl::StatusOr<DocumentJsonlReader> DocumentJsonlReader::FromBytes(std::string bytes,
                                                                   std::string source_name,
                                                                   uint64_t max_text_bytes,
                                                                   uint64_t max_line_bytes) {
  auto memory = std::make_unique<std::string>(std::move(bytes));
  // glibc's fmemopen takes a size of 0 (an empty stream) and does not write in mode "r".
  std::unique_ptr<std::FILE, FileCloser> file(fmemopen(memory->data(), memory->size(), "r"));
  if (file == nullptr) return absl::ErrnoToStatus(errno, source_name + ": cannot open in memory");
  DocumentJsonlReader reader(std::move(source_name), std::move(file), 0, 0, max_text_bytes,
                             max_line_bytes);
  reader.memory_ = std::move(memory);
  return reader;
}

DocumentJsonlReader::ReadResult DocumentJsonlReader::ReadLine() {
  line_.clear();
  bool read_any = false;
  bool too_long = false;
  while (true) {
    if (buffer_pos_ == buffer_len_) {
      buffer_pos_ = 0;
      buffer_len_ = std::fread(buffer_.data(), 1, buffer_.size(), file_.get());
      if (buffer_len_ == 0) {
        if (std::ferror(file_.get())) return ReadResult::kError;
        if (!read_any) return ReadResult::kEnd;
        return too_long ? ReadResult::kTooLong : ReadResult::kLine;  // no final '\n'
      }
    }
    read_any = true;
    const char* start = buffer_.data() + buffer_pos_;
    const size_t available = buffer_len_ - buffer_pos_;
    const char* newline = static_cast<const char*>(std::memchr(start, '\n', available));
    const size_t take = newline != nullptr ? static_cast<size_t>(newline - start) + 1 : available;
    if (!too_long) {
      const uint64_t content_bytes = line_.size() + take - (newline != nullptr ? 1 : 0);
      if (content_bytes > max_line_bytes_) {
        too_long = true;
        std::string().swap(line_);  // drop what was gathered; the rest is skipped unread
      } else {
        line_.append(start, take);
      }
    }
    buffer_pos_ += take;
    offset_ += take;
    if (newline != nullptr) return too_long ? ReadResult::kTooLong : ReadResult::kLine;
  }
}

std::optional<DocumentJsonlReader::Entry> DocumentJsonlReader::Next() {
  while (!done_) {
    const ReadResult result = ReadLine();
    if (result == ReadResult::kEnd) break;
    if (result == ReadResult::kError) {
      done_ = true;
      return Entry{absl::DataLossError(absl::StrCat(path_, ":", line_number_ + 1,
                                                    ": read error: ", std::strerror(errno))),
                   line_number_ + 1, offset_};
    }
    ++line_number_;
    if (result == ReadResult::kTooLong) {
      return Entry{
          absl::InvalidArgumentError(absl::StrCat(
              path_, ":", line_number_, ": line is over the limit of ", max_line_bytes_, " bytes")),
          line_number_, offset_};
    }
    std::string_view line = line_;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank
    absl::StatusOr<v1::Document> document = ParseDocumentJson(line, max_text_bytes_);
    if (!document.ok()) {
      document = absl::Status(document.status().code(), absl::StrCat(path_, ":", line_number_, ": ",
                                                                     document.status().message()));
    }
    return Entry{std::move(document), line_number_, offset_};
  }
  done_ = true;
  return std::nullopt;
}

}  // namespace codi
