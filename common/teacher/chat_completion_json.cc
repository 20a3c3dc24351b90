#include "common/teacher/chat_completion_json.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/utf8.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

using Json = nlohmann::json;

absl::Status Malformed(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed completion: ", path, ": ", why));
}

std::string OneLine(absl::string_view text, size_t max_chars) {
  std::string out;
  out.reserve(std::min(text.size(), max_chars));
  for (char c : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  return out;
}

// ---- encoding ----------------------------------------------------------------
//
// The request body is written directly, byte for byte what nlohmann's
// dump(-1, ' ', /*ensure_ascii=*/false, error_handler_t::replace) of the same
// document gives (keys in std::map order), without building a JSON tree:
// the document travels in every request, and the tree and its dump cost more
// than the rest of a turn's encoding. chat_completion_json_test.cc checks the
// equality on tricky texts.

// Bytes that a JSON string cannot hold as they are: '"', '\\' and controls.
constexpr bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

void AppendJsonString(absl::string_view text, std::string& out) {
  if (!IsValidUtf8(std::string_view(text.data(), text.size()))) {
    // Rare: let nlohmann place the U+FFFD replacements exactly as before.
    out += Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const char* run = p;
    while (p < end && !NeedsEscape(static_cast<unsigned char>(*p))) ++p;
    out.append(run, p - run);
    if (p == end) break;
    const unsigned char c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(escaped, sizeof(escaped));
      }
    }
  }
  out.push_back('"');
}

// The system message (preamble and document) is the same for every turn of a
// conversation and every sample of a document: each thread keeps the last one
// it escaped and reuses it while it matches (a compare instead of an escape).
void AppendSystemJsonString(absl::string_view text, std::string& out) {
  struct Last {
    std::string raw, escaped;
  };
  thread_local Last last;
  if (text.size() < 256) return AppendJsonString(text, out);
  if (text != last.raw) {
    last.raw.assign(text.data(), text.size());
    last.escaped.clear();
    AppendJsonString(text, last.escaped);
  }
  out += last.escaped;
}

// nlohmann's shortest round-trip form ("0.7", "1.0", "1e-05", null for NaN).
void AppendJsonDouble(double value, std::string& out) { out += Json(value).dump(); }

// ---- decoding ----------------------------------------------------------------
//
// A single pass over the body that validates all of it as nlohmann's parser
// does (RFC 8259, strict UTF-8 in strings, a leading BOM skipped, numbers
// that overflow a double rejected, duplicate keys: the last one wins) but
// keeps only the few fields a completion needs, instead of building a tree.

// A number as nlohmann would store it: unsigned, signed or floating.
struct Number {
  enum Kind { kUnsigned, kInteger, kFloat } kind = kUnsigned;
  uint64_t u = 0;
  int64_t i = 0;
  double d = 0;
};

// A value read at one of the paths we look at: what it was and, for a number
// or string, its content.
struct Field {
  enum Kind { kAbsent, kNull, kString, kNumber, kOther } kind = kAbsent;
  std::string text;
  Number number;
};

// The same leniency as before: servers differ, and a missing or odd count
// must not cost a good completion.
uint64_t CountOf(const Field& field) {
  if (field.kind != Field::kNumber) return 0;
  switch (field.number.kind) {
    case Number::kUnsigned:
      return field.number.u;
    case Number::kInteger:
      return static_cast<uint64_t>(std::max<int64_t>(0, field.number.i));
    case Number::kFloat: {
      const double v = field.number.d;
      return v > 0 && v < 1.8e19 ? static_cast<uint64_t>(v) : 0;
    }
  }
  return 0;
}

struct Usage {
  bool is_object = false;
  Field prompt_tokens, completion_tokens;
  bool details_is_object = false;
  Field cached_tokens;
};

struct Message {
  bool is_object = false;
  Field content;
};

struct Choice {
  enum Kind { kAbsent, kObject, kOther } kind = kAbsent;
  std::optional<Message> message;  // nullopt: no "message" key
  Field finish_reason;
};

struct Completion {
  bool root_is_object = false;
  enum ChoicesKind { kAbsent, kArray, kOther } choices_kind = kAbsent;
  Choice first_choice;  // kind kAbsent: the array is empty
  std::optional<Usage> usage;
};

class Reader {
 public:
  explicit Reader(absl::string_view body) : s_(body) {}

  // False when the body is not one JSON value (with surrounding whitespace).
  bool ReadCompletion(Completion* out) {
    if (s_.size() >= 3 && s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    SkipSpace();
    if (Peek() == '{') {
      out->root_is_object = true;
      if (!ReadObject([&](absl::string_view key) { return RootMember(key, out); })) return false;
    } else if (!SkipValue()) {
      return false;
    }
    SkipSpace();
    return pos_ == s_.size();
  }

 private:
  int Peek() const { return pos_ < s_.size() ? static_cast<unsigned char>(s_[pos_]) : -1; }

  void SkipSpace() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      ++pos_;
    }
  }

  bool Consume(char c) {
    SkipSpace();
    if (Peek() != static_cast<unsigned char>(c)) return false;
    ++pos_;
    return true;
  }

  // An object whose members go to `member(key)`, which reads the value (or
  // skips it) and returns false on a syntax error. At '{'.
  template <typename MemberFn>
  bool ReadObject(MemberFn member) {
    ++pos_;  // '{'
    SkipSpace();
    if (Peek() == '}') {
      ++pos_;
      return true;
    }
    std::string key;
    while (true) {
      SkipSpace();
      if (Peek() != '"' || !ReadString(&key) || !Consume(':')) return false;
      SkipSpace();
      if (!member(key)) return false;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  bool RootMember(absl::string_view key, Completion* out) {
    if (key == "choices") {
      out->first_choice = Choice();
      if (Peek() != '[') {
        out->choices_kind = Completion::kOther;
        return SkipValue();
      }
      out->choices_kind = Completion::kArray;
      return ReadChoices(&out->first_choice);
    }
    if (key == "usage") {
      out->usage.emplace();
      if (Peek() != '{') return SkipValue();
      out->usage->is_object = true;
      return ReadObject([&](absl::string_view k) { return UsageMember(k, &*out->usage); });
    }
    return SkipValue();
  }

  // At '['; element 0 is read, the others validated and skipped.
  bool ReadChoices(Choice* first) {
    ++pos_;
    SkipSpace();
    if (Peek() == ']') {
      ++pos_;
      return true;
    }
    if (Peek() == '{') {
      first->kind = Choice::kObject;
      if (!ReadObject([&](absl::string_view k) { return ChoiceMember(k, first); })) return false;
    } else {
      first->kind = Choice::kOther;
      if (!SkipValue()) return false;
    }
    while (true) {
      SkipSpace();
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return false;
      ++pos_;
      if (!SkipValue()) return false;
    }
  }

  bool ChoiceMember(absl::string_view key, Choice* choice) {
    if (key == "message") {
      choice->message.emplace();
      if (Peek() != '{') return SkipValue();
      choice->message->is_object = true;
      return ReadObject([&](absl::string_view k) {
        return k == "content" ? ReadField(&choice->message->content) : SkipValue();
      });
    }
    if (key == "finish_reason") return ReadField(&choice->finish_reason);
    return SkipValue();
  }

  bool UsageMember(absl::string_view key, Usage* usage) {
    if (key == "prompt_tokens") return ReadField(&usage->prompt_tokens);
    if (key == "completion_tokens") return ReadField(&usage->completion_tokens);
    if (key == "prompt_tokens_details") {
      usage->details_is_object = false;
      usage->cached_tokens = Field();
      if (Peek() != '{') return SkipValue();
      usage->details_is_object = true;
      return ReadObject([&](absl::string_view k) {
        return k == "cached_tokens" ? ReadField(&usage->cached_tokens) : SkipValue();
      });
    }
    return SkipValue();
  }

  // A value kept when it is a string, number or null.
  bool ReadField(Field* field) {
    *field = Field();
    switch (Peek()) {
      case '"':
        field->kind = Field::kString;
        return ReadString(&field->text);
      case 'n':
        field->kind = Field::kNull;
        return ReadLiteral("null");
      case '-':
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9':
        field->kind = Field::kNumber;
        return ReadNumber(&field->number);
      default:
        field->kind = Field::kOther;
        return SkipValue();
    }
  }

  bool ReadLiteral(absl::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  static bool IsDigit(int c) { return c >= '0' && c <= '9'; }

  // RFC 8259 grammar; stored as nlohmann stores it: an integer that fits
  // uint64 (non-negative) or int64 (negative), else a double, which must be
  // finite.
  bool ReadNumber(Number* out) {
    const size_t begin = pos_;
    bool negative = false;
    if (Peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (Peek() == '0') {
      ++pos_;
    } else if (IsDigit(Peek())) {
      while (IsDigit(Peek())) ++pos_;
    } else {
      return false;
    }
    bool is_float = false;
    if (Peek() == '.') {
      is_float = true;
      ++pos_;
      if (!IsDigit(Peek())) return false;
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      is_float = true;
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!IsDigit(Peek())) return false;
      while (IsDigit(Peek())) ++pos_;
    }
    const std::string text(s_.substr(begin, pos_ - begin));
    if (!is_float) {
      errno = 0;
      char* end = nullptr;
      if (negative) {
        const long long v = std::strtoll(text.c_str(), &end, 10);
        if (errno == 0 && end == text.c_str() + text.size()) {
          out->kind = Number::kInteger;
          out->i = v;
          return true;
        }
      } else {
        const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
        if (errno == 0 && end == text.c_str() + text.size()) {
          out->kind = Number::kUnsigned;
          out->u = v;
          return true;
        }
      }
    }
    out->kind = Number::kFloat;
    out->d = std::strtod(text.c_str(), nullptr);
    return std::isfinite(out->d);
  }

  static int HexValue(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits after "\u"; -1 when they are not.
  int ReadHex4() {
    if (pos_ + 4 > s_.size()) return -1;
    int v = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = HexValue(static_cast<unsigned char>(s_[pos_ + k]));
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    pos_ += 4;
    return v;
  }

  // At '"'. Validates (strict UTF-8, no raw controls, known escapes, paired
  // surrogates) and, when `out` is not null, unescapes into it.
  bool ReadString(std::string* out) {
    ++pos_;  // '"'
    if (out != nullptr) out->clear();
    while (true) {
      const size_t run = pos_;
      while (pos_ < s_.size()) {
        const unsigned char c = static_cast<unsigned char>(s_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      if (out != nullptr) out->append(s_.data() + run, pos_ - run);
      if (pos_ >= s_.size()) return false;
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        const size_t n = Utf8SequenceLength(std::string_view(s_.data(), s_.size()), pos_);
        if (n == 0) return false;
        if (out != nullptr) out->append(s_.data() + pos_, n);
        pos_ += n;
        continue;
      }
      // A backslash escape.
      ++pos_;
      if (pos_ >= s_.size()) return false;
      const char e = s_[pos_++];
      char plain = 0;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          plain = e;
          break;
        case 'b':
          plain = '\b';
          break;
        case 'f':
          plain = '\f';
          break;
        case 'n':
          plain = '\n';
          break;
        case 'r':
          plain = '\r';
          break;
        case 't':
          plain = '\t';
          break;
        case 'u': {
          int cp = ReadHex4();
          if (cp < 0) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') return false;
            pos_ += 2;
            const int low = ReadHex4();
            if (low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          if (out != nullptr) AppendUtf8(static_cast<uint32_t>(cp), out);
          continue;
        }
        default:
          return false;
      }
      if (out != nullptr) out->push_back(plain);
    }
  }

  // Validates one value of any shape and moves past it. Iterative, so deep
  // nesting costs heap, not stack (worker threads have small stacks).
  bool SkipValue() {
    std::vector<char> open;  // '{' or '[' for each container entered
    while (true) {
      // Expect a value.
      SkipSpace();
      bool have_value = false;
      switch (Peek()) {
        case '{':
          ++pos_;
          SkipSpace();
          if (Peek() == '}') {
            ++pos_;
            have_value = true;
          } else {
            open.push_back('{');
            SkipSpace();
            if (Peek() != '"' || !ReadString(nullptr) || !Consume(':')) return false;
          }
          break;
        case '[':
          ++pos_;
          SkipSpace();
          if (Peek() == ']') {
            ++pos_;
            have_value = true;
          } else {
            open.push_back('[');
          }
          break;
        case '"':
          if (!ReadString(nullptr)) return false;
          have_value = true;
          break;
        case 't':
          if (!ReadLiteral("true")) return false;
          have_value = true;
          break;
        case 'f':
          if (!ReadLiteral("false")) return false;
          have_value = true;
          break;
        case 'n':
          if (!ReadLiteral("null")) return false;
          have_value = true;
          break;
        default: {
          Number ignored;
          if (!ReadNumber(&ignored)) return false;
          have_value = true;
        }
      }
      if (!have_value) continue;  // entered a container: its first value next
      // After a value: close containers or move to the next element.
      while (true) {
        if (open.empty()) return true;
        SkipSpace();
        const int c = Peek();
        if (c == ',') {
          ++pos_;
          if (open.back() == '{') {
            SkipSpace();
            if (Peek() != '"' || !ReadString(nullptr) || !Consume(':')) return false;
          }
          break;
        }
        if (c == (open.back() == '{' ? '}' : ']')) {
          ++pos_;
          open.pop_back();
          continue;
        }
        return false;
      }
    }
  }

  absl::string_view s_;
  size_t pos_ = 0;
};

absl::StatusOr<CompletionResult> Decode(absl::string_view body) {
  Completion doc;
  if (!Reader(body).ReadCompletion(&doc)) return Malformed("$", "body is not JSON");
  if (!doc.root_is_object) return Malformed("$", "body is not a JSON object");
  if (doc.choices_kind != Completion::kArray || doc.first_choice.kind == Choice::kAbsent) {
    return Malformed("choices", "missing or empty");
  }
  const Choice& choice = doc.first_choice;
  if (choice.kind != Choice::kObject) return Malformed("choices[0]", "not an object");
  if (!choice.message.has_value() || !choice.message->is_object) {
    return Malformed("choices[0].message", "missing or not an object");
  }
  CompletionResult result;
  const Field& content = choice.message->content;
  if (content.kind != Field::kAbsent && content.kind != Field::kNull) {
    if (content.kind != Field::kString) {
      return Malformed("choices[0].message.content", "not a string");
    }
    result.text = content.text;
  }
  if (choice.finish_reason.kind == Field::kString) result.finish_reason = choice.finish_reason.text;
  if (doc.usage.has_value() && doc.usage->is_object) {
    result.prompt_tokens = CountOf(doc.usage->prompt_tokens);
    result.completion_tokens = CountOf(doc.usage->completion_tokens);
    if (doc.usage->details_is_object) result.cached_tokens = CountOf(doc.usage->cached_tokens);
  }
  return result;
}

}  // namespace

std::string EncodeChatCompletionRequest(const CompletionRequest& request) {
  size_t size = 160 + request.model.size();
  for (const ChatMessage& m : request.messages) size += 32 + m.role.size() + m.content.size();
  for (const std::string& s : request.stop) size += 4 + s.size();
  std::string out;
  out.reserve(size + size / 16);
  out += "{\"max_tokens\":";
  absl::StrAppend(&out, request.max_tokens);
  out += ",\"messages\":[";
  for (size_t i = 0; i < request.messages.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += "{\"content\":";
    if (i == 0) {
      AppendSystemJsonString(request.messages[i].content, out);
    } else {
      AppendJsonString(request.messages[i].content, out);
    }
    out += ",\"role\":";
    AppendJsonString(request.messages[i].role, out);
    out.push_back('}');
  }
  out += "],\"model\":";
  AppendJsonString(request.model, out);
  out += ",\"seed\":";
  absl::StrAppend(&out, request.seed & static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  if (!request.stop.empty()) {
    out += ",\"stop\":[";
    for (size_t i = 0; i < request.stop.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(request.stop[i], out);
    }
    out.push_back(']');
  }
  out += ",\"stream\":false,\"temperature\":";
  AppendJsonDouble(request.temperature, out);
  out += ",\"top_p\":";
  AppendJsonDouble(request.top_p, out);
  out.push_back('}');
  return out;
}

absl::StatusOr<CompletionResult> DecodeChatCompletionResponse(absl::string_view body) {
  // The reader throws nothing; the catch is a backstop (std::bad_alloc) so no
  // exception leaves this function whatever the server sends.
  try {
    return Decode(body);
  } catch (const std::exception& e) {
    return Malformed("$", e.what());
  }
}

std::string ErrorMessageFromBody(absl::string_view body, size_t max_chars) {
  try {
    Json doc = Json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_object()) {
      auto error = doc.find("error");
      if (error != doc.end() && error->is_object()) {
        auto message = error->find("message");
        if (message != error->end() && message->is_string()) {
          return OneLine(message->get<std::string>(), max_chars);
        }
      }
      if (error != doc.end() && error->is_string()) {
        return OneLine(error->get<std::string>(), max_chars);
      }
      auto message = doc.find("message");
      if (message != doc.end() && message->is_string()) {
        return OneLine(message->get<std::string>(), max_chars);
      }
    }
  } catch (const std::exception&) {
    // Fall through to the raw body.
  }
  if (body.empty()) return "(empty body)";
  return OneLine(body, max_chars);
}

}  // namespace codi
