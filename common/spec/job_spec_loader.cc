#include "common/spec/job_spec_loader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/base/closest_name.h"
#include "common/base/status_macros.h"
#include "common/base/utf8.h"
#include "common/spec/job_spec_validator.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace codi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A job spec is a few kilobytes; this only guards against reading a wrong file.
constexpr uintmax_t kMaxSpecFileBytes = 16u << 20;
constexpr size_t kMaxQuotedChars = 40;
// A real spec holds a few hundred values. YAML aliases let a few kilobytes name
// millions (a list of aliases of lists of aliases), and each becomes a message.
constexpr size_t kMaxSpecValues = 100000;

bool LooksLikeNumber(absl::string_view text) {
  double unused;
  return !text.empty() && absl::SimpleAtod(text, &unused);
}

// A scalar as shown after "got": numbers as written, anything else quoted,
// escaped and shortened so that the error stays on one line.
std::string ShowScalar(absl::string_view text) {
  if (LooksLikeNumber(text)) return std::string(text);
  std::string shown = absl::CEscape(text);
  if (shown.size() > kMaxQuotedChars) shown = shown.substr(0, kMaxQuotedChars - 3) + "...";
  return absl::StrCat("\"", shown, "\"");
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "null";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      break;
  }
  return ShowScalar(node.Scalar());
}

// What a single value of `field` must be, as in "expected ...".
std::string Expected(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      return "an integer";
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return "an unsigned integer";
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "a number";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_STRING:
      return "a string";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "a map";
    case FieldDescriptor::CPPTYPE_ENUM: {
      std::vector<std::string> names;
      for (int i = 0; i < field->enum_type()->value_count(); ++i) {
        names.push_back(field->enum_type()->value(i)->name());
      }
      return absl::StrCat("one of ", absl::StrJoin(names, ", "));
    }
  }
  return "a value";
}

bool AllDigits(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

// Parses a decimal integer in [0, max]; on failure returns the error message.
std::optional<std::string> ParseUnsigned(absl::string_view text, uint64_t max, uint64_t* out) {
  absl::string_view digits = text;
  if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
  if (!AllDigits(digits))
    return absl::StrCat("expected an unsigned integer, got ", ShowScalar(text));
  if (!absl::SimpleAtoi(digits, out) || *out > max) {
    return absl::StrCat(text, " is out of range (at most ", max, ")");
  }
  return std::nullopt;
}

// Parses a decimal integer in [min, max]; on failure returns the error message.
std::optional<std::string> ParseSigned(absl::string_view text, int64_t min, int64_t max,
                                       int64_t* out) {
  absl::string_view digits = text;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  if (!AllDigits(digits)) return absl::StrCat("expected an integer, got ", ShowScalar(text));
  if (!absl::SimpleAtoi(text, out) || *out < min || *out > max) {
    return absl::StrCat(text, " is out of range (", min, " to ", max, ")");
  }
  return std::nullopt;
}

// Parses a number, YAML's .inf and .nan included (the validator decides where
// they are allowed); on failure returns the error message.
std::optional<std::string> ParseDouble(absl::string_view text, double* out) {
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf" || text == "+.Inf" ||
      text == "+.INF") {
    *out = std::numeric_limits<double>::infinity();
  } else if (text == "-.inf" || text == "-.Inf" || text == "-.INF") {
    *out = -std::numeric_limits<double>::infinity();
  } else if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    *out = std::numeric_limits<double>::quiet_NaN();
  } else if (text.empty() || !absl::SimpleAtod(text, out)) {
    return absl::StrCat("expected a number, got ", ShowScalar(text));
  }
  return std::nullopt;
}

// Converts a YAML tree into a message by walking its descriptor, and keeps
// the line of every field path it set, so that later (semantic) errors can
// point at the file too.
class SpecReader {
 public:
  explicit SpecReader(std::string source) : source_(std::move(source)) {}

  absl::Status ReadMessage(const YAML::Node& node, Message* message, const std::string& path);

  // The line of `path`, or of its closest enclosing path that the file holds.
  std::optional<int> LineOf(std::string path) const {
    while (!path.empty()) {
      if (auto it = lines_.find(path); it != lines_.end()) return it->second;
      const size_t cut = path.find_last_of(".[");
      path.resize(cut == std::string::npos ? 0 : cut);
    }
    return std::nullopt;
  }

  // "SOURCE:LINE: path: message", leaving out what is not known.
  absl::Status Error(std::optional<int> line, absl::string_view path,
                     absl::string_view message) const {
    std::string text = source_;
    if (line) absl::StrAppend(&text, ":", *line);
    absl::StrAppend(&text, ": ");
    if (!path.empty()) absl::StrAppend(&text, path, ": ");
    absl::StrAppend(&text, message);
    return absl::InvalidArgumentError(text);
  }
  absl::Status ErrorAt(const YAML::Node& node, absl::string_view path,
                       absl::string_view message) const {
    return Error(LineOfNode(node), path, message);
  }

  static std::optional<int> LineOfNode(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.line < 0) return std::nullopt;
    return mark.line + 1;
  }

 private:
  absl::Status ReadField(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                         const std::string& path);
  absl::Status ReadMap(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                       const std::string& path);
  absl::Status ReadScalar(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                          const std::string& path);

  void Remember(const std::string& path, const YAML::Node& node) {
    if (auto line = LineOfNode(node)) lines_.emplace(path, *line);
  }

  // Counts one more value read; an error once the spec holds too many.
  absl::Status CountValue(const YAML::Node& node, const std::string& path) {
    if (++values_read_ <= kMaxSpecValues) return absl::OkStatus();
    return ErrorAt(node, path,
                   absl::StrCat("the job spec holds more than ", kMaxSpecValues,
                                " values (each use of a YAML alias counts); a job spec holds a "
                                "few hundred"));
  }

  std::string source_;
  absl::flat_hash_map<std::string, int> lines_;  // field path -> 1-based line
  size_t values_read_ = 0;
};

absl::Status SpecReader::ReadMessage(const YAML::Node& node, Message* message,
                                     const std::string& path) {
  if (!node.IsMap()) {
    return ErrorAt(node, path, absl::StrCat("expected a map, got ", Describe(node)));
  }
  const Descriptor* descriptor = message->GetDescriptor();
  absl::flat_hash_map<int, int> first_line;  // field number -> line it was first given on
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      return ErrorAt(key, path, absl::StrCat("expected a field name, got ", Describe(key)));
    }
    const std::string& name = key.Scalar();
    const FieldDescriptor* field = descriptor->FindFieldByName(name);
    if (field == nullptr) {
      for (int i = 0; i < descriptor->field_count() && field == nullptr; ++i) {
        if (descriptor->field(i)->json_name() == name) field = descriptor->field(i);
      }
    }
    if (field == nullptr) {
      std::vector<std::string> names;
      for (int i = 0; i < descriptor->field_count(); ++i) {
        names.push_back(descriptor->field(i)->name());
      }
      std::string message_text = "unknown field";
      if (auto best = ClosestName(name, names)) {
        absl::StrAppend(&message_text, " (did you mean \"", *best, "\"?)");
      }
      return ErrorAt(key, path.empty() ? name : absl::StrCat(path, ".", name), message_text);
    }
    const std::string field_path = path.empty() ? field->name() : path + "." + field->name();
    CODI_RETURN_IF_ERROR(CountValue(key, field_path));
    const int line = LineOfNode(key).value_or(0);
    if (auto [seen, inserted] = first_line.emplace(field->number(), line); !inserted) {
      return ErrorAt(key, field_path,
                     absl::StrCat("duplicate key (first given on line ", seen->second, ")"));
    }
    Remember(field_path, key);
    if (value.IsNull()) continue;  // null leaves the field unset
    CODI_RETURN_IF_ERROR(ReadField(value, message, field, field_path));
  }
  return absl::OkStatus();
}

absl::Status SpecReader::ReadField(const YAML::Node& value, Message* message,
                                   const FieldDescriptor* field, const std::string& path) {
  const Reflection* reflection = message->GetReflection();
  if (field->is_map()) return ReadMap(value, message, field, path);
  if (field->is_repeated()) {
    if (!value.IsSequence()) {
      return ErrorAt(value, path, absl::StrCat("expected a list, got ", Describe(value)));
    }
    int index = 0;
    for (auto it = value.begin(); it != value.end(); ++it, ++index) {
      const YAML::Node item = *it;
      const std::string item_path = absl::StrCat(path, "[", index, "]");
      CODI_RETURN_IF_ERROR(CountValue(item, item_path));
      Remember(item_path, item);
      if (item.IsNull()) {
        return ErrorAt(item, item_path, absl::StrCat("expected ", Expected(field), ", got null"));
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        CODI_RETURN_IF_ERROR(ReadMessage(item, reflection->AddMessage(message, field), item_path));
      } else {
        CODI_RETURN_IF_ERROR(ReadScalar(item, message, field, item_path));
      }
    }
    return absl::OkStatus();
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return ReadMessage(value, reflection->MutableMessage(message, field), path);
  }
  return ReadScalar(value, message, field, path);
}

absl::Status SpecReader::ReadMap(const YAML::Node& value, Message* message,
                                 const FieldDescriptor* field, const std::string& path) {
  if (!value.IsMap()) {
    return ErrorAt(value, path, absl::StrCat("expected a map, got ", Describe(value)));
  }
  const FieldDescriptor* key_field = field->message_type()->map_key();
  const FieldDescriptor* value_field = field->message_type()->map_value();
  absl::flat_hash_map<std::string, int> first_line;
  for (auto it = value.begin(); it != value.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node item = it->second;
    if (!key.IsScalar()) {
      return ErrorAt(key, path, absl::StrCat("expected a key, got ", Describe(key)));
    }
    const std::string entry_path = absl::StrCat(path, ".", key.Scalar());
    CODI_RETURN_IF_ERROR(CountValue(key, entry_path));
    const int line = LineOfNode(key).value_or(0);
    if (auto [seen, inserted] = first_line.emplace(key.Scalar(), line); !inserted) {
      return ErrorAt(key, entry_path,
                     absl::StrCat("duplicate key (first given on line ", seen->second, ")"));
    }
    Remember(entry_path, key);
    Message* entry = message->GetReflection()->AddMessage(message, field);
    CODI_RETURN_IF_ERROR(ReadScalar(key, entry, key_field, entry_path));
    if (value_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (item.IsNull()) continue;  // an entry with an empty message
      CODI_RETURN_IF_ERROR(ReadMessage(
          item, entry->GetReflection()->MutableMessage(entry, value_field), entry_path));
    } else {
      if (item.IsNull()) {
        // An empty value's mark is the next token's, so point at the key.
        return ErrorAt(key, entry_path,
                       absl::StrCat("expected ", Expected(value_field), ", got null"));
      }
      CODI_RETURN_IF_ERROR(ReadScalar(item, entry, value_field, entry_path));
    }
  }
  return absl::OkStatus();
}

absl::Status SpecReader::ReadScalar(const YAML::Node& value, Message* message,
                                    const FieldDescriptor* field, const std::string& path) {
  if (!value.IsScalar()) {
    return ErrorAt(value, path,
                   absl::StrCat("expected ", Expected(field), ", got ", Describe(value)));
  }
  const Reflection* reflection = message->GetReflection();
  const bool repeated = field->is_repeated();
  const std::string& text = value.Scalar();
  std::optional<std::string> problem;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? reflection->AddString(message, field, text)
               : reflection->SetString(message, field, text);
      break;
    case FieldDescriptor::CPPTYPE_BOOL: {
      if (text != "true" && text != "false") {
        problem = absl::StrCat("expected true or false, got ", ShowScalar(text));
        break;
      }
      const bool b = text == "true";
      repeated ? reflection->AddBool(message, field, b) : reflection->SetBool(message, field, b);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint64_t v = 0;
      problem = ParseUnsigned(text, std::numeric_limits<uint32_t>::max(), &v);
      if (problem) break;
      repeated ? reflection->AddUInt32(message, field, static_cast<uint32_t>(v))
               : reflection->SetUInt32(message, field, static_cast<uint32_t>(v));
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v = 0;
      problem = ParseUnsigned(text, std::numeric_limits<uint64_t>::max(), &v);
      if (problem) break;
      repeated ? reflection->AddUInt64(message, field, v)
               : reflection->SetUInt64(message, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int64_t v = 0;
      problem = ParseSigned(text, std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::max(), &v);
      if (problem) break;
      repeated ? reflection->AddInt32(message, field, static_cast<int32_t>(v))
               : reflection->SetInt32(message, field, static_cast<int32_t>(v));
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = 0;
      problem = ParseSigned(text, std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max(), &v);
      if (problem) break;
      repeated ? reflection->AddInt64(message, field, v) : reflection->SetInt64(message, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v = 0;
      problem = ParseDouble(text, &v);
      if (problem) break;
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        repeated ? reflection->AddDouble(message, field, v)
                 : reflection->SetDouble(message, field, v);
      } else {
        repeated ? reflection->AddFloat(message, field, static_cast<float>(v))
                 : reflection->SetFloat(message, field, static_cast<float>(v));
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* enum_value = field->enum_type()->FindValueByName(text);
      if (enum_value == nullptr) {
        problem = absl::StrCat("expected ", Expected(field), ", got ", ShowScalar(text));
        break;
      }
      repeated ? reflection->AddEnum(message, field, enum_value)
               : reflection->SetEnum(message, field, enum_value);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      problem = "expected a map";  // not reached: messages are read by ReadMessage
      break;
  }
  if (problem) return ErrorAt(value, path, *problem);
  return absl::OkStatus();
}

// Counts the documents of a YAML stream, and where the second one's root is.
class DocumentCounter : public YAML::EventHandler {
 public:
  int documents() const { return documents_; }
  const std::optional<YAML::Mark>& second_root() const { return second_root_; }

  void OnDocumentStart(const YAML::Mark&) override { ++documents_; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnMapEnd() override {}

 private:
  void Node(const YAML::Mark& mark) {
    if (documents_ == 2 && !second_root_) second_root_ = mark;
  }

  int documents_ = 0;
  std::optional<YAML::Mark> second_root_;
};

absl::StatusOr<codi::v1::JobSpec> ParseUnguarded(const std::string& text,
                                                 const std::string& source_name) {
  SpecReader reader(source_name);
  // A spec is one document. yaml-cpp 0.7's LoadAll never returns on some malformed
  // streams (a stray ',' after a document: it finds null documents forever, growing
  // memory; jbeder/yaml-cpp#1319, found by tests/fuzz), so the documents are counted
  // with at most two parsed, and only then is the first one loaded.
  DocumentCounter counter;
  YAML::Node root;
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    while (counter.documents() < 2 && parser.HandleNextDocument(counter)) {
    }
    if (counter.documents() == 1) root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return reader.Error(std::nullopt, "", e.msg);
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
  if (counter.documents() > 1) {
    std::optional<int> line;
    if (const auto& mark = counter.second_root(); mark && !mark->is_null() && mark->line >= 0) {
      line = mark->line + 1;
    }
    return reader.Error(line, "",
                        "expected one YAML document, found a second one (remove the ---)");
  }
  if (counter.documents() == 0 || root.IsNull()) {
    return reader.Error(1, "", "the job spec is empty (expected a map of job fields)");
  }
  if (!root.IsMap()) {
    return reader.ErrorAt(root, "",
                          absl::StrCat("expected a map of job fields, got ", Describe(root)));
  }
  codi::v1::JobSpec spec;
  CODI_RETURN_IF_ERROR(reader.ReadMessage(root, &spec, ""));
  if (auto problem = FindSpecProblem(spec)) {
    return reader.Error(reader.LineOf(problem->path), problem->path, problem->message);
  }
  return spec;
}

absl::StatusOr<codi::v1::JobSpec> ParseGuarded(std::string_view text,
                                               const std::string& source_name) {
  // yaml-cpp reports through exceptions; none may leave this function.
  try {
    return ParseUnguarded(std::string(text), source_name);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", e.what()));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": ", e.what()));
  }
}

}  // namespace

absl::StatusOr<codi::v1::JobSpec> ParseJobSpec(std::string_view text,
                                               const std::string& source_name) {
  absl::StatusOr<codi::v1::JobSpec> spec = ParseGuarded(text, source_name);
  // On one line: map keys and yaml-cpp's messages ("unknown escape character: X")
  // can hold any byte of the file, a newline included.
  if (!spec.ok()) {
    return absl::Status(spec.status().code(), EscapeControlCharacters(spec.status().message()));
  }
  return spec;
}

absl::StatusOr<codi::v1::JobSpec> LoadJobSpecFile(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a job spec"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open the job spec: ", std::strerror(errno)));
  }
  const uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > kMaxSpecFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the job spec is larger than ", kMaxSpecFileBytes >> 20, " MiB"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read the job spec"));
  }
  CODI_ASSIGN_OR_RETURN(codi::v1::JobSpec spec, ParseJobSpec(text.str(), path));
  const fs::path documents(spec.documents().path());
  const fs::path directory = fs::path(path).parent_path();
  if (!documents.empty() && documents.is_relative() && !directory.empty()) {
    spec.mutable_documents()->set_path((directory / documents).lexically_normal().string());
  }
  return spec;
}

}  // namespace codi
