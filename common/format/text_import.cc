#include "common/format/text_import.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/base/utf8.h"
#include "common/format/document_jsonl.h"
#include "common/format/html_text.h"

namespace codi {
namespace {

namespace fs = std::filesystem;

// A paragraph longer than this is handed to the chunker in parts, so a file
// without blank lines is not held whole.
constexpr size_t kMaxParagraphBytes = 64 * 1024;
// Warnings printed per file; the rest are counted in one last line.
constexpr uint64_t kMaxWarningsPerFile = 10;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// std::string_view trimming (this Abseil's string_view is its own type).
std::string_view Trim(std::string_view text) {
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

enum class FileKind { kText, kMarkdown, kHtml, kJsonl, kOther };

FileKind KindOf(const fs::path& path) {
  const std::string ext = absl::AsciiStrToLower(path.extension().string());
  if (ext == ".txt" || ext == ".text") return FileKind::kText;
  if (ext == ".md" || ext == ".markdown") return FileKind::kMarkdown;
  if (ext == ".html" || ext == ".htm") return FileKind::kHtml;
  if (ext == ".jsonl") return FileKind::kJsonl;
  return FileKind::kOther;
}

// Reads lines of at most kMaxTextLineBytes; a longer one is consumed without
// being held and reported as too long.
class LineReader {
 public:
  enum class Result { kLine, kTooLong, kEnd };
  explicit LineReader(std::istream* in) : in_(in->rdbuf()) {}

  Result Next(std::string* line) {
    line->clear();
    bool any = false, too_long = false;
    for (int c = in_->sbumpc(); c != std::char_traits<char>::eof(); c = in_->sbumpc()) {
      any = true;
      if (c == '\n') break;
      if (too_long) continue;
      if (line->size() >= kMaxTextLineBytes) {
        too_long = true;
        line->clear();
        line->shrink_to_fit();
        continue;
      }
      line->push_back(static_cast<char>(c));
    }
    if (!any) return Result::kEnd;
    if (too_long) return Result::kTooLong;
    if (!line->empty() && line->back() == '\r') line->pop_back();
    return Result::kLine;
  }

 private:
  std::streambuf* in_;
};

// Markdown inline markup made plain: images to their alt text, links to
// their text, emphasis and code marks dropped.
std::string PlainMarkdownInline(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size(); ++i) {
    const bool image = line[i] == '!' && i + 1 < line.size() && line[i + 1] == '[';
    if (line[i] == '[' || image) {
      const size_t open = image ? i + 1 : i;
      const size_t close = line.find(']', open);
      if (close != std::string_view::npos && close + 1 < line.size() && line[close + 1] == '(') {
        const size_t end = line.find(')', close + 2);
        if (end != std::string_view::npos) {
          out.append(line.substr(open + 1, close - open - 1));
          i = end;
          continue;
        }
      }
    }
    out.push_back(line[i]);
  }
  return absl::StrReplaceAll(out, {{"**", ""}, {"__", ""}, {"`", ""}});
}

// The heading text of an ATX heading line ("## Text ##"), and its level;
// level 0 when the line is no heading.
std::pair<int, std::string_view> MarkdownHeading(std::string_view line) {
  int level = 0;
  while (level < static_cast<int>(line.size()) && line[level] == '#') ++level;
  if (level == 0 || level > 6) return {0, {}};
  if (level < static_cast<int>(line.size()) && line[level] != ' ') return {0, {}};
  std::string_view text = Trim(line.substr(level));
  while (!text.empty() && text.back() == '#') text.remove_suffix(1);
  return {level, Trim(text)};
}

bool IsMarkdownRule(std::string_view line) {
  if (line.size() < 3) return false;
  const char c = line[0];
  if (c != '-' && c != '*' && c != '_') return false;
  return std::all_of(line.begin(), line.end(), [c](char x) { return x == c || x == ' '; });
}

// The text of a list item line without its marker ("- ", "* ", "+ ", "1. ",
// "1) "), or nullopt when the line is no list item.
std::optional<std::string_view> MarkdownListItem(std::string_view line) {
  if (line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ') {
    return line.substr(2);
  }
  size_t digits = 0;
  while (digits < line.size() && absl::ascii_isdigit(static_cast<unsigned char>(line[digits]))) {
    ++digits;
  }
  if (digits > 0 && digits + 1 < line.size() && (line[digits] == '.' || line[digits] == ')') &&
      line[digits + 1] == ' ') {
    return line.substr(digits + 2);
  }
  return std::nullopt;
}

class TextImporter {
 public:
  TextImporter(const ChunkOptions& options, const ImportWarning& warn, std::ofstream* out,
               fs::path out_path)
      : options_(options), warn_(warn), out_(out), out_path_(std::move(out_path)) {}

  void ImportArgument(const std::string& argument) {
    std::error_code ec;
    const fs::path path(argument);
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      Skip(absl::StrCat(argument, ": no such file or directory; skipped"));
      return;
    }
    if (fs::is_directory(status)) {
      ImportDirectory(path, path);
    } else {
      ImportFile(path, path.filename().string());
    }
  }

  const TextImportStats& stats() const { return stats_; }
  bool write_failed() const { return !*out_; }

 private:
  // Per-file warnings, capped at kMaxWarningsPerFile lines.
  struct FileWarnings {
    uint64_t count = 0;
  };

  void Skip(const std::string& warning) {
    ++stats_.skipped;
    warn_(warning);
  }

  void SkipLine(FileWarnings* file, const std::string& warning) {
    ++stats_.skipped;
    if (++file->count <= kMaxWarningsPerFile) warn_(warning);
  }

  void EndFile(const fs::path& path, const FileWarnings& file) {
    if (file.count > kMaxWarningsPerFile) {
      warn_(absl::StrCat(path.string(), ": ", file.count - kMaxWarningsPerFile,
                         " more lines skipped"));
    }
  }

  void ImportDirectory(const fs::path& root, const fs::path& dir) {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      entries.push_back(it->path());
    }
    if (ec) {
      Skip(absl::StrCat(dir.string(), ": cannot list: ", ec.message(), "; skipped"));
      return;
    }
    std::sort(entries.begin(), entries.end());
    for (const fs::path& entry : entries) {
      if (entry.filename().string().starts_with(".")) continue;
      // Directory links are not followed: a link cycle would never end.
      const fs::file_status own = fs::symlink_status(entry, ec);
      if (!ec && fs::is_directory(own)) {
        ImportDirectory(root, entry);
        continue;
      }
      if (KindOf(entry) == FileKind::kOther) continue;
      ImportFile(entry, entry.lexically_relative(root).generic_string());
    }
  }

  void ImportFile(const fs::path& path, const std::string& source) {
    std::error_code ec;
    if (fs::weakly_canonical(path, ec) == out_path_) return;  // the output itself
    const FileKind kind = KindOf(path);
    if (kind == FileKind::kOther) {
      Skip(absl::StrCat(path.string(), ": not a .txt, .md, .html, .htm or .jsonl file; skipped"));
      return;
    }
    if (kind != FileKind::kJsonl && !sources_.insert(source).second) {
      Skip(absl::StrCat(path.string(), ": its ids (", source,
                        "#N) would repeat an earlier file's; skipped"));
      return;
    }
    switch (kind) {
      case FileKind::kText:
      case FileKind::kMarkdown:
        ImportTextFile(path, source, kind == FileKind::kMarkdown);
        return;
      case FileKind::kHtml:
        ImportHtmlFile(path, source);
        return;
      case FileKind::kJsonl:
        ImportJsonlFile(path);
        return;
      case FileKind::kOther:
        return;
    }
  }

  void WritePassage(const std::string& id, std::string text, const std::string& title) {
    v1::Document doc;
    doc.set_id(id);
    doc.set_text(std::move(text));
    doc.set_title(title);
    *out_ << DocumentToJsonLine(doc) << '\n';
    ++stats_.passages;
  }

  // A chunker whose passages are written as `id_prefix#N` under `*title`.
  PassageChunker ChunkerFor(const std::string& id_prefix, const std::string* title,
                            uint64_t* index) {
    return PassageChunker(options_, [this, id_prefix, title, index](std::string passage) {
      WritePassage(absl::StrCat(id_prefix, "#", (*index)++), std::move(passage), *title);
    });
  }

  void ImportTextFile(const fs::path& path, const std::string& source, bool markdown) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      Skip(absl::StrCat(path.string(), ": cannot read: ", std::strerror(errno), "; skipped"));
      return;
    }
    ++stats_.files;
    std::string title = path.stem().string();
    uint64_t index = 0;
    PassageChunker chunker = ChunkerFor(source, &title, &index);
    FileWarnings warnings;
    std::string paragraph;
    auto flush = [&] {
      chunker.AddParagraph(paragraph);
      paragraph.clear();
    };
    auto append = [&](std::string_view text) {
      paragraph.append(text);
      paragraph.push_back(' ');
      if (paragraph.size() > kMaxParagraphBytes) {
        // Hand in all but the last (maybe unfinished) word.
        const size_t cut = paragraph.rfind(' ', paragraph.size() - 2);
        if (cut != std::string::npos && cut > 0) {
          chunker.AddParagraph(std::string_view(paragraph).substr(0, cut), /*continues=*/true);
          paragraph.erase(0, cut + 1);
        }
      }
    };
    bool in_code = false, seen_text = false;
    LineReader reader(&in);
    std::string line;
    uint64_t line_number = 0;
    for (LineReader::Result r; (r = reader.Next(&line)) != LineReader::Result::kEnd;) {
      ++line_number;
      if (r == LineReader::Result::kTooLong) {
        SkipLine(&warnings, absl::StrCat(path.string(), ":", line_number, ": line is over ",
                                         kMaxTextLineBytes, " bytes; skipped"));
        flush();
        continue;
      }
      if (line_number == 1 && std::string_view(line).starts_with(kUtf8Bom))
        line.erase(0, kUtf8Bom.size());
      if (auto bad = FirstInvalidUtf8Byte(line)) {
        SkipLine(&warnings, absl::StrCat(path.string(), ":", line_number,
                                         ": not valid UTF-8 at byte ", *bad + 1, "; skipped"));
        continue;
      }
      std::string_view text = Trim(line);
      if (text.empty()) {
        flush();
        continue;
      }
      if (!markdown || in_code) {
        if (markdown && (std::string_view(text).starts_with("```") ||
                         std::string_view(text).starts_with("~~~"))) {
          flush();
          in_code = false;
          continue;
        }
        append(text);
        continue;
      }
      if (std::string_view(text).starts_with("```") || std::string_view(text).starts_with("~~~")) {
        flush();
        in_code = true;
        continue;
      }
      if (auto [level, heading] = MarkdownHeading(text); level > 0) {
        flush();
        if (level == 1 && !seen_text) {
          title = PlainMarkdownInline(heading);  // the document's title, not a paragraph
        } else {
          chunker.AddParagraph(PlainMarkdownInline(heading));
        }
        seen_text = true;
        continue;
      }
      seen_text = true;
      if (IsMarkdownRule(text)) {
        flush();
        continue;
      }
      if (auto item = MarkdownListItem(text)) {
        flush();
        text = *item;
      }
      while (text.starts_with(">")) text = Trim(text.substr(1));
      append(PlainMarkdownInline(text));
    }
    flush();
    chunker.Finish();
    EndFile(path, warnings);
  }

  void ImportHtmlFile(const fs::path& path, const std::string& source) {
    std::error_code ec;
    const uintmax_t size = fs::file_size(path, ec);
    if (ec) {
      Skip(absl::StrCat(path.string(), ": cannot read: ", ec.message(), "; skipped"));
      return;
    }
    if (size > kMaxHtmlFileBytes) {
      Skip(absl::StrCat(path.string(), ": ", size, " bytes is over the ", kMaxHtmlFileBytes,
                        "-byte limit for an HTML file; skipped"));
      return;
    }
    std::ifstream in(path, std::ios::binary);
    std::string html(static_cast<size_t>(size), '\0');
    if (!in || !in.read(html.data(), static_cast<std::streamsize>(size))) {
      Skip(absl::StrCat(path.string(), ": cannot read: ", std::strerror(errno), "; skipped"));
      return;
    }
    if (std::string_view(html).starts_with(kUtf8Bom)) html.erase(0, kUtf8Bom.size());
    if (auto bad = FirstInvalidUtf8Byte(html)) {
      const auto line = 1 + std::count(html.begin(), html.begin() + static_cast<long>(*bad), '\n');
      Skip(absl::StrCat(path.string(), ":", line,
                        ": not valid UTF-8 (only UTF-8 pages are read); skipped"));
      return;
    }
    ++stats_.files;
    HtmlText text = HtmlToText(html);
    html.clear();
    html.shrink_to_fit();
    std::string title = text.title.empty() ? path.stem().string() : text.title;
    uint64_t index = 0;
    PassageChunker chunker = ChunkerFor(source, &title, &index);
    for (const std::string& paragraph : text.paragraphs) chunker.AddParagraph(paragraph);
    chunker.Finish();
  }

  void ImportJsonlFile(const fs::path& path) {
    auto reader = DocumentJsonlReader::Open(path.string(), 0, 0, /*max_text_bytes=*/0);
    if (!reader.ok()) {
      Skip(absl::StrCat(path.string(), ": ", reader.status().message(), "; skipped"));
      return;
    }
    ++stats_.files;
    FileWarnings warnings;
    while (auto entry = reader->Next()) {
      if (!entry->document.ok()) {
        SkipLine(&warnings, absl::StrCat(entry->document.status().message(), "; skipped"));
        continue;
      }
      const v1::Document& doc = *entry->document;
      const std::string title = doc.title();
      uint64_t index = 0;
      PassageChunker chunker = ChunkerFor(doc.id(), &title, &index);
      // Blank lines separate paragraphs, as in a text file.
      std::string_view text = doc.text();
      size_t start = 0;
      std::string paragraph;
      while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (Trim(line).empty()) {
          chunker.AddParagraph(paragraph);
          paragraph.clear();
        } else {
          paragraph.append(line);
          paragraph.push_back(' ');
        }
        start = end + 1;
      }
      chunker.AddParagraph(paragraph);
      chunker.Finish();
    }
    EndFile(path, warnings);
  }

  const ChunkOptions& options_;
  const ImportWarning& warn_;
  std::ofstream* out_;
  const fs::path out_path_;
  TextImportStats stats_;
  // Source names of the files read, so two files never give the same ids.
  std::set<std::string> sources_;
};

}  // namespace

absl::StatusOr<TextImportStats> ImportTextFiles(const std::vector<std::string>& inputs,
                                                const std::string& out_path,
                                                const ChunkOptions& options,
                                                const ImportWarning& warn) {
  std::error_code ec;
  const fs::path out(out_path);
  if (out.has_parent_path()) fs::create_directories(out.parent_path(), ec);
  const std::string tmp_path = out_path + ".tmp";
  std::ofstream file(tmp_path, std::ios::binary | std::ios::trunc);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write ", tmp_path, ": ", std::strerror(errno)));
  }
  TextImporter importer(options, warn, &file, fs::weakly_canonical(out, ec));
  for (const std::string& input : inputs) {
    importer.ImportArgument(input);
    if (importer.write_failed()) break;
  }
  file.close();
  if (!file) {
    fs::remove(tmp_path, ec);
    return absl::InternalError(absl::StrCat("write failed: ", tmp_path));
  }
  fs::rename(tmp_path, out_path, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot rename ", tmp_path, ": ", ec.message()));
  return importer.stats();
}

}  // namespace codi
