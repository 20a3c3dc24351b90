#include "common/format/dataset_card.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/json_util.h"

namespace codi {
namespace {

// Shards listed by name in the card; a larger export lists the first ones.
constexpr size_t kMaxListedFiles = 16;

// A YAML (and JSON) double-quoted scalar.
std::string Quoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Text that fits in one Markdown table cell.
std::string Cell(const std::string& text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\r", " "}, {"\n", " "}});
}

std::string FileName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

// A report value as text, or "n/a" when the report lacks it.
std::string Figure(const nlohmann::ordered_json& report, const std::string& section,
                   const std::string& key) {
  if (!report.is_object() || !report.contains(section)) return "n/a";
  const auto& s = report[section];
  if (!s.is_object() || !s.contains(key)) return "n/a";
  return s[key].dump();
}

std::string FormatDescription(const DatasetCardFacts& facts) {
  if (facts.format == "chat") {
    return "one JSON object a line in the OpenAI fine-tuning chat form, `{\"messages\": "
           "[{\"role\", \"content\", \"weight\"?}]}`. The document is the system message; "
           "assistant messages carry `weight` 1 when their role's training weight is above 0, "
           "else 0.";
  }
  if (facts.format == "brackets") {
    return "one JSON object a line, `{\"job\", \"doc_id\", \"sample\", \"text\"}`, the "
           "conversation as `[ROLE]text[/ROLE]` spans.";
  }
  return "one JSON object a line, `{\"job\", \"doc_id\", \"sample\", \"graph\", \"turns\", "
         "\"usage\"}`; each turn has `role`, `text`, its training `weight`, and for generated "
         "turns the `link`, `phenomena` and `seed_item` it was written with.";
}

// The graph as written: one row per link.
void WriteGraph(const codi::v1::JobSpec& spec, std::ostringstream& out) {
  const auto& graph = spec.graph();
  std::vector<std::string> start;
  for (const auto& [name, weight] : graph.start()) start.push_back(absl::StrCat(name, " ", weight));
  std::sort(start.begin(), start.end());
  out << "Conversation graph: start " << absl::StrJoin(start, ", ") << "; length ";
  if (graph.length().n() != 0) {
    out << graph.length().n();
  } else {
    out << graph.length().min() << " to " << graph.length().max();
  }
  out << " generated turns.\n\n| link | role | instruction | next |\n|---|---|---|---|\n";
  for (const auto& link : graph.links()) {
    std::vector<std::string> next;
    for (const auto& [name, weight] : link.next()) next.push_back(absl::StrCat(name, " ", weight));
    std::sort(next.begin(), next.end());
    out << "| " << Cell(link.name()) << " | " << Cell(link.role()) << " | "
        << Cell(link.instruction()) << " | " << Cell(absl::StrJoin(next, ", ")) << " |\n";
  }
  out << "\nRoles and training weights: ";
  std::vector<std::string> roles;
  for (const auto& role : spec.roles())
    roles.push_back(absl::StrCat(role.name(), " ", role.weight()));
  out << absl::StrJoin(roles, ", ") << ".\n";
}

// The spec without the teacher's endpoints and key file: where the teacher
// ran is not part of how the data was made, and a URL may name internal hosts.
std::string SpecJson(codi::v1::JobSpec spec) {
  spec.mutable_teacher()->clear_endpoints();
  spec.mutable_teacher()->clear_api_key_file();
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(spec, &text, options).ok()) return "{}";
  return text;
}

void WriteReport(const nlohmann::ordered_json& r, std::ostringstream& out) {
  out << "## Report\n\nHeadline figures of the job's report (`codi report`):\n\n"
      << "| figure | value |\n|---|---|\n"
      << "| state | " << (r.contains("state") ? r["state"].get<std::string>() : "n/a") << " |\n"
      << "| conversations done | " << Figure(r, "conversations", "done") << " |\n"
      << "| conversations failed | " << Figure(r, "conversations", "failed") << " |\n"
      << "| documents accepted | " << Figure(r, "documents", "accepted") << " |\n"
      << "| documents skipped | " << Figure(r, "documents", "skipped") << " |\n"
      << "| generated turns | " << (r.contains("turns") ? r["turns"].dump() : "n/a") << " |\n"
      << "| teacher calls | " << Figure(r, "teacher", "calls") << " |\n"
      << "| teacher retries | " << Figure(r, "teacher", "retries") << " |\n"
      << "| regenerated turns | " << Figure(r, "teacher", "regenerations") << " |\n"
      << "| prompt tokens | " << Figure(r, "teacher", "prompt_tokens") << " |\n"
      << "| completion tokens | " << Figure(r, "teacher", "completion_tokens") << " |\n"
      << "| prefix-cache hit ratio | " << Figure(r, "teacher", "prefix_cache_hit_ratio") << " |\n"
      << "| distinct-1 / 2 / 3 | " << Figure(r, "distinct_n", "distinct_1") << " / "
      << Figure(r, "distinct_n", "distinct_2") << " / " << Figure(r, "distinct_n", "distinct_3")
      << " |\n";
  if (r.contains("quality") && r["quality"].contains("duplicates")) {
    const nlohmann::ordered_json d =
        r["quality"]["duplicates"].value("conversations", nlohmann::ordered_json::object());
    out << "| duplicate conversations in the job (exact / near) | "
        << d.value("exact_duplicates", 0) << " / " << d.value("near_duplicates", 0) << " |\n";
  }
  if (r.contains("quality") && r["quality"].contains("grounding")) {
    for (const auto& [role, g] : r["quality"]["grounding"].items()) {
      out << "| " << Cell(role) << " turns grounded in the document (share) | "
          << g.value("grounded_share", 0.0) << " |\n";
    }
  }
  if (r.contains("turn_lengths") && r["turn_lengths"].is_object()) {
    for (const auto& [role, s] : r["turn_lengths"].items()) {
      if (!s.contains("mean_chars")) continue;
      out << "| " << Cell(role) << " turns (count, mean chars) | " << s["count"].dump() << ", "
          << s["mean_chars"].dump() << " |\n";
    }
  }
  if (r.contains("failures_by_reason") && !r["failures_by_reason"].empty()) {
    out << "\nFailed conversations by reason: ";
    std::vector<std::string> reasons;
    for (const auto& [reason, n] : r["failures_by_reason"].items()) {
      reasons.push_back(absl::StrCat(reason, " ", n.dump()));
    }
    out << Cell(absl::StrJoin(reasons, ", ")) << ".\n";
  }
  out << "\n";
}

}  // namespace

std::string SizeCategory(uint64_t rows) {
  static constexpr struct {
    uint64_t below;
    const char* name;
  } kCategories[] = {
      {1000ULL, "n<1K"},
      {10000ULL, "1K<n<10K"},
      {100000ULL, "10K<n<100K"},
      {1000000ULL, "100K<n<1M"},
      {10000000ULL, "1M<n<10M"},
      {100000000ULL, "10M<n<100M"},
      {1000000000ULL, "100M<n<1B"},
      {10000000000ULL, "1B<n<10B"},
      {100000000000ULL, "10B<n<100B"},
      {1000000000000ULL, "100B<n<1T"},
  };
  for (const auto& c : kCategories) {
    if (rows < c.below) return c.name;
  }
  return "n>1T";
}

std::string DatasetCardMarkdown(const DatasetCardFacts& facts) {
  const codi::v1::JobSpec& spec = facts.spec;
  const std::string suffix = facts.format == "jsonl" ? "jsonl" : facts.format + ".jsonl";
  std::ostringstream out;
  out << "---\n"
      << "license: " << facts.license << "\n"
      << "pretty_name: " << Quoted(facts.job_id) << "\n"
      << "task_categories:\n- text-generation\n- question-answering\n"
      << "tags:\n- synthetic\n- conversational\n- document-grounded\n- codi\n"
      << "size_categories:\n- " << SizeCategory(facts.conversations) << "\n"
      << "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: "
      << Quoted(facts.job_id + "-*." + suffix) << "\n"
      << "---\n\n";

  out << "# " << facts.job_id << "\n\n"
      << "Synthetic multi-turn conversations grounded in documents: " << facts.conversations
      << " conversations, distilled from the teacher model `" << spec.teacher().model()
      << "` by codi " << facts.codi_version
      << " with the CoDi method (a conversation graph rolled out per document, one teacher "
         "call per turn, each turn checked before the next).\n\n";

  out << "## Files\n\n" << facts.files.size() << " shards, " << FormatDescription(facts) << "\n\n";
  for (size_t i = 0; i < facts.files.size() && i < kMaxListedFiles; ++i) {
    out << "- `" << FileName(facts.files[i]) << "`\n";
  }
  if (facts.files.size() > kMaxListedFiles) {
    out << "- and " << facts.files.size() - kMaxListedFiles << " more\n";
  }
  if (facts.format == "chat" && !facts.chat_roles.empty()) {
    std::vector<std::string> mapping;
    for (const auto& [role, chat_role] : facts.chat_roles) {
      mapping.push_back(absl::StrCat(role, " -> ", chat_role));
    }
    out << "\nChat roles: " << absl::StrJoin(mapping, ", ") << ".\n";
  }
  out << "\nDeduplication: ";
  if (facts.dedup == "off") {
    out << "off (every finished conversation is written).\n";
  } else {
    out << "`" << facts.dedup << "`"
        << (facts.dedup == "near" ? absl::StrCat(" (estimated Jaccard similarity of word "
                                                 "3-shingles at least ",
                                                 facts.near_threshold, ")")
                                  : std::string(" (equal normalised text)"))
        << " over the generated turns, keeping the first in (document id, sample) order: "
        << facts.dropped_exact << " exact and " << facts.dropped_near
        << " near duplicates dropped, listed in `dropped.ndjson`.\n";
  }

  out << "\n## How it was made\n\n"
      << "- codi version: " << facts.codi_version << "\n"
      << "- teacher model: `" << spec.teacher().model() << "`, temperature "
      << spec.teacher().temperature() << ", top_p " << spec.teacher().top_p() << ", max_tokens "
      << spec.teacher().max_tokens() << "\n"
      << "- seed: " << spec.seed() << "\n"
      << "- samples per document: " << spec.samples_per_document() << "\n";
  if (facts.report.is_object() && facts.report.contains("documents")) {
    out << "- documents: `" << Cell(facts.report["documents"].value("path", "")) << "`\n";
  }
  out << "\n";
  WriteGraph(spec, out);

  out << "\n## Job spec\n\n```json\n" << SpecJson(spec) << "\n```\n\n";
  if (facts.report.is_object()) WriteReport(facts.report, out);

  out << "## Licence\n\n`" << facts.license
      << "`, as the job's `output.license` says. The conversations are derived from the source "
         "documents and from the teacher model's output: their licences and terms apply too.\n";
  return out.str();
}

absl::Status WriteDatasetCard(const std::string& dir, const DatasetCardFacts& facts) {
  const std::string path = dir + "/README.md";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << DatasetCardMarkdown(facts);
    out.close();
    if (!out) return absl::InternalError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError("cannot rename " + tmp + ": " + ec.message());
  return absl::OkStatus();
}

}  // namespace codi
